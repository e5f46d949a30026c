package io.scalpel.e2e;

import io.scalpel.backend.BackendChoice;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.RandomTexts;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packed activation collection on the CUDA backend, run by the PTX interpreter ({@code --device emu}): the
 * packed pass's logits row for row, and each text's pooled vectors, equal one text per prefill on the same
 * backend and the CPU's, within 1e-5 relative L2. Small on purpose: the interpreter is slow.
 */
class PackedCollectionOnInterpreterTest {
    private static final double TOLERANCE = 1e-5;

    private static void assertClose(float[] expected, float[] actual, String what) {
        double rel = GoldenFixture.relativeL2(actual, expected);
        assertTrue(rel <= TOLERANCE, what + ": relative L2 " + rel + " > " + TOLERANCE);
    }

    @Test void packedEqualsOneTextPerPrefillOnTheInterpreter() {
        try (Checkpoint ck = Checkpoint.open(SharedData.require("models/stories260K/stories260K.bin"));
             BackendChoice.Opened emu = BackendChoice.open(BackendChoice.DeviceRequest.parse("emu"), CudaOptions.defaults());
             CpuBackend cpu = new CpuBackend(2);
             Transformer gpuModel = new Transformer(ck.config(), ck.weights(), emu.backend());
             Transformer cpuModel = new Transformer(ck.config(), ck.weights(), cpu)) {
            int vocab = ck.config().vocabSize(), layers = ck.config().layers();
            // budget 8: packs {5, 3} and {2}; the 10-token text is longer than the budget and runs alone
            int[][] texts = RandomTexts.of(vocab, 5, 5, 3, 10, 2);
            int[][] firstTwo = {texts[0], texts[1]};
            float[] packedLogits;
            try (Session s = gpuModel.newSession(8, 8)) {
                packedLogits = s.forwardPackedAllLogits(firstTwo, null);
            }
            int row = 0;
            for (int[] text : firstTwo) {
                try (Session s = gpuModel.newSession(text.length, text.length)) {
                    float[] alone = s.forwardAllLogits(text, null);
                    assertClose(alone, Arrays.copyOfRange(packedLogits, row * vocab, (row + text.length) * vocab), "logits of text at row " + row);
                }
                row += text.length;
            }
            int[] indices = {layers, layers / 2};
            List<int[]> list = List.of(texts);
            float[][][] packed = new ActivationCollector(gpuModel, indices, 16, 8).collectAll(list, false);
            float[][][] alone = new ActivationCollector(gpuModel, indices, 16, 1).collectAll(list, false);
            float[][][] onCpu = new ActivationCollector(cpuModel, indices, 16, 8).collectAll(list, false);
            for (int j = 0; j < indices.length; j++) {
                for (int t = 0; t < texts.length; t++) {
                    String what = "index " + indices[j] + " text " + t;
                    assertClose(alone[j][t], packed[j][t], what + ", packed vs alone on emu");
                    assertClose(onCpu[j][t], packed[j][t], what + ", emu vs cpu");
                }
            }
        }
    }
}
