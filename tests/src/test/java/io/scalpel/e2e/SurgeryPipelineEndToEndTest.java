package io.scalpel.e2e;

import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job end to end on the real small models. On the 64-dimensional stories260K the probes are
 * weak and the report must say plainly that the edit did nothing beyond random directions.
 */
class SurgeryPipelineEndToEndTest {
    @TempDir Path tmp;

    private static final String[] FAST = {"--max-per-class", "150", "--max-tokens", "32", "--new-tokens", "24",
            "--max-prompts", "16", "--controls", "2", "--no-cache"};

    private Cli surgery(String model, Path out, String... data) {
        String[] base = {"surgery", "--model", model, "--out", out.toString(),
                "--perplexity-text", SharedData.require("data/tinystories/tinystories_sample.txt").toString()};
        String[] args = new String[base.length + FAST.length + data.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(FAST, 0, args, base.length, FAST.length);
        System.arraycopy(data, 0, args, base.length + FAST.length, data.length);
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return r;
    }

    private static void assertHonestReport(Path out, Cli r) throws IOException {
        String report = Files.readString(out.resolve("report.md"));
        for (String s : new String[]{"validation acc", "±", "mean NLL", "changed greedy tokens", "random direction 1", "rows per layer",
                "KL(base ‖ ·)", " | 0 | — |"}) {
            assertTrue(report.contains(s), "report lacks '" + s + "'");
        }
        assertTrue(r.out().contains("No behavioural effect beyond random-direction controls"), r.out());
        assertTrue(report.contains("No behavioural effect beyond random-direction controls"));
        assertTrue(report.contains("## Verdict") && report.contains("**Prompt:**"), report);
        assertFalse(report.contains("broke fluency"), "a small edit must not be reported as breaking fluency:\n" + report);
        assertTrue(Files.size(out.resolve("score-histograms.png")) > 1000);
        Patch p = PatchFile.read(out.resolve("patch.safetensors"));
        assertEquals(p.rows().length, p.size());
    }

    @Test void stories260KWithSst2NegativeAsAvoid() throws IOException {
        Path out = tmp.resolve("sst2");
        Cli r = surgery(SharedData.require("models/stories260K/stories260K.bin").toString(), out,
                "--data", SharedData.require("data/sst2/dev.tsv").toString(), "--text-column", "content", "--avoid-value", "0",
                "--top-k", "40", "--alpha", "1");
        assertHonestReport(out, r);
    }

    @Test void stories260KWithToxiGen() throws IOException {
        Path out = tmp.resolve("toxigen");
        Path prompts = SharedData.require("data/toxigen/prompts");
        Cli r = surgery(SharedData.require("models/stories260K/stories260K.gguf").toString(), out,
                "--avoid", prompts.resolve("hate_asian_1k.txt").toString(), "--keep", prompts.resolve("neutral_asian_1k.txt").toString(),
                "--top-k", "40");
        assertHonestReport(out, r);
    }

    @Test void aLargeAlphaBreaksFluencyAndTheReportSaysSo() throws IOException {
        Path out = tmp.resolve("broken");
        Cli r = surgery(SharedData.require("models/stories260K/stories260K.bin").toString(), out,
                "--data", SharedData.require("data/sst2/dev.tsv").toString(), "--text-column", "content", "--avoid-value", "0",
                "--top-k", "160", "--alpha", "8");
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("**Warning:** The edit broke fluency: perplexity"), report);
        assertTrue(report.contains("Random-direction controls of the same size broke fluency too"), report);
        assertTrue(r.out().contains("warning: The edit broke fluency"), r.out());
    }

    @Test void llama2TinyRandomWithToxiGenRuns() throws IOException {
        Path out = tmp.resolve("tiny");
        Path prompts = SharedData.require("data/toxigen/prompts");
        surgery(SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf").toString(), out,
                "--avoid", prompts.resolve("hate_muslim_1k.txt").toString(), "--keep", prompts.resolve("neutral_muslim_1k.txt").toString());
        assertTrue(Files.exists(out.resolve("report.md")) && Files.exists(out.resolve("patch.safetensors")));
    }

    @Test void theStepsOneByOne() throws IOException {
        String model = SharedData.require("models/stories260K/stories260K.gguf").toString();
        Path prompts = SharedData.require("data/toxigen/prompts");
        Path probe = tmp.resolve("probe.safetensors"), patch = tmp.resolve("patch.safetensors"), report = tmp.resolve("eval");
        Cli p = Cli.run("probe", "--model", model, "--avoid", prompts.resolve("hate_jewish_1k.txt").toString(),
                "--keep", prompts.resolve("neutral_jewish_1k.txt").toString(), "--max-per-class", "100", "--max-tokens", "32",
                "--solver", "logistic-regression", "--out", probe.toString());
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().contains("validation"), p.out());
        Cli s = Cli.run("select", "--model", model, "--probe", probe.toString(), "--top-k", "40", "--out", patch.toString());
        assertEquals(0, s.exitCode(), s.err());
        assertTrue(s.out().contains("rows per layer"), s.out());
        Path lexicon = Files.writeString(tmp.resolve("words.txt"), "# words to count\nthe\nshe\n");
        // An external judge: 1 when the continuation has the word "she", else 0.
        String judge = "while IFS= read -r l; do case \"$l\" in *'\"continuation\":'*[!a-z]she[!a-z]*) echo 1;; *) echo 0;; esac; done";
        Cli e = Cli.run("eval", "--model", model, "--edit", patch.toString(), "--probe", probe.toString(), "--max-prompts", "8",
                "--new-tokens", "16", "--controls", "2", "--lexicon", lexicon.toString(), "--refusal", "--judge", judge,
                "--primary-score", "refusal", "--out", report.toString());
        assertEquals(0, e.exitCode(), e.err());
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("random direction 2") && md.contains("lexicon hit") && md.contains("| judge |"), md);
        assertTrue(md.contains("- Behaviour score: refusal (prefix)"), "--primary-score puts refusal first:\n" + md);
    }

    @Test void demoOnALocalModelWithTheBuiltInSet() throws IOException {
        Path out = tmp.resolve("demo");
        Cli r = Cli.run("demo", "--model", SharedData.require("models/stories260K/stories260K.gguf").toString(), "--out", out.toString(),
                "--no-cache", "--controls", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(out.resolve("report.md")));
    }
}
