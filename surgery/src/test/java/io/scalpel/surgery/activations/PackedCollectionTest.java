package io.scalpel.surgery.activations;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.HiddenStateListener;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.RandomTexts;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packed collection (several texts per prefill) pools the same vectors as one prefill per text: bit for
 * bit on the CPU for texts of two tokens or more (a one-token text alone is a decode step, which sums in
 * another order; the stated bound, 1e-5 relative L2 per text, is checked for every text, so a failure says
 * how far off it is), for mixed lengths, a text longer than the budget, a budget of one text and the default.
 */
class PackedCollectionTest {

    /** The reference: one lone prefill per text, the mean over its rows in float64, written out here. */
    private static float[] aloneMean(Transformer m, int[] ids, int index) {
        int dim = m.config().dim();
        double[] sum = new double[dim];
        try (Session s = m.newSession(ids.length)) {
            s.forward(ids, new HiddenStateListener() {
                @Override public boolean wants(int i) { return i == index; }
                @Override public void accept(int i, int position, float[] rows, int rowCount, int d) {
                    for (int r = 0; r < rowCount; r++) for (int k = 0; k < d; k++) sum[k] += rows[r * d + k];
                }
            });
        }
        float[] mean = new float[dim];
        for (int k = 0; k < dim; k++) mean[k] = (float) (sum[k] / ids.length);
        return mean;
    }

    static List<int[]> mixedTexts(int vocab, long seed, int... lengths) {
        return new ArrayList<>(List.of(RandomTexts.of(vocab, seed, lengths)));
    }

    static double relativeL2(float[] actual, float[] expected) { return GoldenFixture.relativeL2(actual, expected); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/stories260K/stories260K.bin", "models/llama-2-tiny-random/llama-2-tiny-random.gguf"})
    void packedPoolsEqualOneTextPerPrefill(String model) {
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(SharedData.require(model));
             Transformer m = new Transformer(ck.config(), ck.weights(), backend)) {
            int layers = ck.config().layers();
            // 40 exceeds the 32-token budget (runs alone); 1 is a BOS-only text; 31 + 1 fill a pack exactly.
            List<int[]> texts = mixedTexts(ck.config().vocabSize(), 11, 12, 3, 40, 1, 31, 1, 9, 17, 5, 24);
            int[] indices = java.util.stream.IntStream.of(layers, 0, (layers + 1) / 2).distinct().toArray();
            float[][][] alone = new float[indices.length][texts.size()][];
            for (int j = 0; j < indices.length; j++) for (int t = 0; t < texts.size(); t++) alone[j][t] = aloneMean(m, texts.get(t), indices[j]);
            // budgets: 1 (every text alone), 24 (one or two texts a pack), 32, the default
            for (int budget : new int[]{1, 24, 32, ActivationCollector.DEFAULT_BATCH_TOKENS}) {
                float[][][] packed = new ActivationCollector(m, indices, 64, budget).collectAll(texts, false);
                for (int j = 0; j < indices.length; j++) {
                    for (int t = 0; t < texts.size(); t++) {
                        String what = model + " budget " + budget + " index " + indices[j] + " text " + t;
                        double rel = relativeL2(packed[j][t], alone[j][t]);
                        assertTrue(rel <= 1e-5, what + ": relative L2 " + rel);
                        // A one-token text alone is a decode step (RowDot's summation order); packed, its row goes
                        // through prefill's GEMM (one fma chain per output): the same to rounding, not to the bit.
                        if (texts.get(t).length > 1) assertArrayEquals(alone[j][t], packed[j][t], what + " (bits)");
                    }
                }
            }
        }
    }

    /** An independent yardstick as well: the stories260K fixture's float64 mean of every hidden state. */
    @Test void packedPoolsMatchTheGoldenMeans() {
        GoldenFixture f = GoldenFixture.load("stories260K");
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer m = new Transformer(ck.config(), ck.weights(), backend)) {
            int layers = ck.config().layers(), dim = ck.config().dim();
            List<int[]> texts = mixedTexts(ck.config().vocabSize(), 3, 7, 2);
            texts.add(1, f.inputIds());  // packed between two others
            int[] indices = java.util.stream.IntStream.rangeClosed(0, layers).toArray();
            float[][][] packed = new ActivationCollector(m, indices, 64, 64).collectAll(texts, false);
            var means = f.expected().get("hidden_states_mean");
            for (int i = 0; i <= layers; i++) {
                float[] golden = new float[dim];
                for (int k = 0; k < dim; k++) golden[k] = (float) means.get(i).get(k).asDouble();
                double rel = relativeL2(packed[i][1], golden);
                assertTrue(rel <= 1e-4, "index " + i + ": relative L2 to the float64 mean " + rel);
            }
        }
    }
}
