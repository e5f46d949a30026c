package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.activations.ActivationCache;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.surgery.data.DemoData;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.evaluate.Perplexity;
import io.scalpel.surgery.evaluate.SurgeryEvaluator;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.ProbeSolver;
import io.scalpel.surgery.report.ConditionScores;
import io.scalpel.surgery.search.PickRule;
import io.scalpel.surgery.search.SearchGrid;
import io.scalpel.surgery.search.SearchOutputs;
import io.scalpel.surgery.search.SurgerySearch;
import io.scalpel.testing.SharedData;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The α × K search on stories260K with 2 × 2 candidates: rows, exact revert, and a patch that reproduces its row alone. */
class SurgerySearchTest {
    @TempDir Path tmp;

    private static final int CONTROLS = 2;

    @Test void twoByTwoSearchRevertsExactlyAndItsPickedPatchReproducesItsRow() throws IOException {
        Path model = SharedData.require("models/stories260K/stories260K.bin");
        Tokenizer tok = TokenizerLoader.load(SharedData.require("models/stories260K/tok512.bin"));
        int[] ppl = tok.encode(Files.readString(SharedData.require("data/tinystories/tinystories_sample.txt")), false);
        List<String> prompts = DemoData.prompts().subList(0, 8);
        SurgeryPipeline.Options o = new SurgeryPipeline.Options(-1, -1, 24, ActivationCollector.DEFAULT_BATCH_TOKENS, ProbeSolver.LOGISTIC_REGRESSION, AdamProbeTrainer.Settings.paper(),
                0.1, 0, null, 1f, 12, CONTROLS, 60, (ActivationCache) null, false, 8, null);
        SearchGrid grid = new SearchGrid(List.of(1f, 3f), List.of(20, 60), List.of(5));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (CpuBackend backend = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model);
             Transformer m = new Transformer(ck.config(), ck.weights(), backend)) {
            int[] all = IntStream.range(0, ck.config().hiddenDim()).toArray();
            byte[][] before = new byte[ck.config().layers()][];
            for (int l = 0; l < before.length; l++) before[l] = backend.readRows(m.gateWeights().get(l), all);

            SurgeryPipeline pipeline = new SurgeryPipeline(ck, m, tok, quiet);
            SurgerySearch.Result r = new SurgerySearch(ck, m, pipeline, quiet).run("demo", DemoData.labelledTexts(), prompts, prompts,
                    Map.of(), ppl, o, new SurgerySearch.Settings(grid, PickRule.LOWEST_SCORE, 10));

            for (int l = 0; l < before.length; l++) {
                assertArrayEquals(before[l], backend.readRows(m.gateWeights().get(l), all), "layer " + l + "'s gate weights differ after the search");
            }
            String csv = SearchOutputs.csv(r);
            List<String> lines = csv.lines().toList();
            assertEquals(1 + grid.size() * (1 + CONTROLS), lines.size(), csv);
            assertEquals(grid.size(), lines.stream().filter(l -> l.contains(",probe direction,")).count());
            assertEquals(1, lines.stream().filter(l -> l.endsWith(",true")).count(), "exactly one picked row:\n" + csv);
            // α = 3 on K = 60 of 64-dimensional stories260K moves the distributions far more than α = 1 on K = 20.
            assertTrue(r.candidates().get(3).edit().klToBase() > r.candidates().get(0).edit().klToBase(), csv);

            // The picked patch, evaluated alone on a fresh evaluator, gives exactly its row's numbers.
            Patch patch = r.picked();
            ConditionScores row = r.chosen().edit();
            SurgeryEvaluator evaluator = pipeline.evaluator(new Surgeon(m), ppl, o);
            var outcome = evaluator.run(prompts, prompts, patch.rows(), patch.direction(), patch.alpha(), pipeline.probeScorers(r.scoring(), o));
            ConditionScores alone = outcome.conditionScores(r.primary()).get(1);
            assertEquals(row.mean(), alone.mean(), 0.0);
            assertEquals(row.klToBase(), alone.klToBase(), 0.0);
            assertEquals(row.perplexity(), alone.perplexity(), 0.0);
            assertEquals(row.changedTokenShare(), alone.changedTokenShare(), 0.0);
            for (int c = 0; c < CONTROLS; c++) {
                assertEquals(r.chosen().evaluation().randomControls().get(c).klToBase(), outcome.conditionScores(r.primary()).get(2 + c).klToBase(), 0.0,
                        "control " + (c + 1) + " at the picked (α, K) differs");
            }
            assertEquals(Perplexity.meanNll(m, ppl, tok.bosId(), 128, 16), Math.log(r.chosen().evaluation().base().perplexity()), 1e-12);
        }
    }

    @Test void theCommandWritesTheCsvPlotAndAPatchThatEvalReproduces() throws IOException {
        String model = SharedData.require("models/stories260K/stories260K.gguf").toString();
        Path out = tmp.resolve("search");
        String[] common = {"--max-prompts", "6", "--new-tokens", "12", "--kl-tokens", "6", "--controls", "1", "--max-tokens", "24"};
        String[] search = {"search", "--model", model, "--alpha", "0.5:1:0.5", "--top-k", "20,60", "--max-per-class", "60",
                "--data", SharedData.require("data/sst2/dev.tsv").toString(), "--text-column", "content", "--avoid-value", "0", "--solver", "logistic-regression", "--no-cache", "--out", out.toString()};
        Cli s = Cli.run(concat(search, common));
        assertEquals(0, s.exitCode(), s.err());
        assertTrue(s.err().contains("candidate 4/4") && s.err().contains("left"), s.err());
        List<String> csv = Files.readAllLines(out.resolve(SearchOutputs.CSV));
        assertEquals(1 + 4 * 2, csv.size());
        assertTrue(Files.size(out.resolve(SearchOutputs.PLOT)) > 1000);
        String picked = csv.stream().filter(l -> l.endsWith(",true")).findFirst().orElseThrow();
        String[] cells = picked.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
        Patch p = PatchFile.read(out.resolve(SearchOutputs.PATCH));
        assertEquals(Float.parseFloat(cells[0]), p.alpha());
        assertEquals(Integer.parseInt(cells[1]), p.size());

        Path eval = tmp.resolve("eval");
        String[] evalArgs = {"eval", "--model", model, "--edit", out.resolve(SearchOutputs.PATCH).toString(),
                "--probe", out.resolve(SearchOutputs.PROBE).toString(), "--second-probe", out.resolve(SearchOutputs.SECOND_PROBE).toString(),
                "--out", eval.toString()};
        Cli e = Cli.run(concat(evalArgs, common));
        assertEquals(0, e.exitCode(), e.err());
        String report = Files.readString(eval.resolve("report.md"));
        double mean = Double.parseDouble(cells[4]), kl = Double.parseDouble(cells[8]);
        String editRow = report.lines().filter(l -> l.startsWith("| probe direction |")).findFirst().orElseThrow();
        assertTrue(editRow.contains(String.format(java.util.Locale.ROOT, "| %.4f ±", mean)), editRow + " vs " + picked);
        assertTrue(editRow.contains(String.format(java.util.Locale.ROOT, "| %.4g |", kl)), editRow + " vs " + picked);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
