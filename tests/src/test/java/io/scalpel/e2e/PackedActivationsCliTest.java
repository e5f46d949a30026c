package io.scalpel.e2e;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packing texts into one prefill changes nothing the commands write: on stories260K the probe file and the
 * surgery's patch (direction, selected rows, α) are byte-identical with --batch-tokens 1 (one text per
 * prefill, the former behaviour) and the default packing.
 */
class PackedActivationsCliTest {
    @TempDir Path tmp;

    private static String[] sst2() {
        return new String[]{"--model", SharedData.require("models/stories260K/stories260K.bin").toString(),
                "--data", SharedData.require("data/sst2/dev.tsv").toString(), "--text-column", "content", "--avoid-value", "0",
                "--max-per-class", "60", "--max-tokens", "40", "--solver", "logistic-regression"};
    }

    private static String[] with(String command, String[] common, String... more) {
        String[] args = new String[1 + common.length + more.length];
        args[0] = command;
        System.arraycopy(common, 0, args, 1, common.length);
        System.arraycopy(more, 0, args, 1 + common.length, more.length);
        return args;
    }

    @Test void probeFileIsTheSameWithAndWithoutPacking() throws IOException {
        Path alone = tmp.resolve("alone.safetensors"), packed = tmp.resolve("packed.safetensors");
        Cli a = Cli.run(with("probe", sst2(), "--batch-tokens", "1", "--out", alone.toString()));
        assertEquals(0, a.exitCode(), a.err());
        Cli p = Cli.run(with("probe", sst2(), "--out", packed.toString()));
        assertEquals(0, p.exitCode(), p.err());
        assertArrayEquals(Files.readAllBytes(alone), Files.readAllBytes(packed), "probe weights, one text per prefill vs packed");
        assertEquals(a.out().lines().findFirst(), p.out().lines().findFirst(), "the printed accuracies");
    }

    @Test void surgeryPatchIsTheSameWithAndWithoutPacking() throws IOException {
        String[] common = with("surgery", sst2(), "--top-k", "40", "--alpha", "1", "--new-tokens", "8", "--max-prompts", "4",
                "--controls", "1", "--no-cache");
        Path alone = tmp.resolve("alone"), packed = tmp.resolve("packed");
        String[] a = java.util.Arrays.copyOf(common, common.length + 4), p = java.util.Arrays.copyOf(common, common.length + 4);
        System.arraycopy(new String[]{"--batch-tokens", "1", "--out", alone.toString()}, 0, a, common.length, 4);
        System.arraycopy(new String[]{"--batch-tokens", "96", "--out", packed.toString()}, 0, p, common.length, 4);
        Cli ra = Cli.run(a);
        assertEquals(0, ra.exitCode(), ra.err());
        Cli rp = Cli.run(p);
        assertEquals(0, rp.exitCode(), rp.err());
        byte[] patch = Files.readAllBytes(alone.resolve("patch.safetensors"));
        assertTrue(patch.length > 0);
        assertArrayEquals(patch, Files.readAllBytes(packed.resolve("patch.safetensors")), "patch (direction, rows, alpha)");
        assertArrayEquals(Files.readAllBytes(alone.resolve("probe.safetensors")), Files.readAllBytes(packed.resolve("probe.safetensors")), "probe");
    }

    @Test void aBudgetBelowOneIsRefusedBeforeTheModelIsRead() {
        Cli r = Cli.run(with("probe", sst2(), "--batch-tokens", "0", "--out", tmp.resolve("p.safetensors").toString()));
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.errorLine().contains("--batch-tokens must be at least 1"), r.errorLine());
    }
}
