package io.scalpel.model;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.RandomTexts;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Several texts packed into one forward pass give, row for row, the hidden states at every index and the
 * logits of each text run alone from position 0 — to the bit on the CPU, where every op but RoPE and
 * attention is row-wise and those two run per text on the same operands as the lone run (a one-token text
 * alone is a decode step, which sums in another order: the same to rounding).
 */
class PackedForwardTest {

    /** Every hidden state the pass reports, per index, rows appended in arrival order. */
    private static final class AllStates implements HiddenStateListener {
        final List<List<float[]>> byIndex = new ArrayList<>();
        final int layers;

        AllStates(int layers) {
            this.layers = layers;
            for (int i = 0; i <= layers + 1; i++) byIndex.add(new ArrayList<>());
        }

        @Override public boolean wants(int index) { return true; }
        @Override public boolean wantsLastLayerPrenorm() { return true; }
        @Override public void accept(int index, int position, float[] rows, int rowCount, int dim) {
            List<float[]> list = byIndex.get(index < 0 ? layers + 1 : index);
            for (int r = 0; r < rowCount; r++) list.add(Arrays.copyOfRange(rows, r * dim, (r + 1) * dim));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/stories260K/stories260K.bin", "models/llama-2-tiny-random/llama-2-tiny-random.gguf"})
    void packedRowsEqualEachTextAloneBitForBit(String model) {
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(SharedData.require(model));
             Transformer m = new Transformer(ck.config(), ck.weights(), backend)) {
            int layers = ck.config().layers(), vocab = ck.config().vocabSize();
            int[][] texts = RandomTexts.of(vocab, 7, 9, 1, 23, 4, 17);
            int total = Arrays.stream(texts).mapToInt(t -> t.length).sum();
            AllStates packed = new AllStates(layers);
            float[] packedLogits;
            try (Session s = m.newSession(total, total)) {
                s.forward(new int[]{1, 2, 3}, null);  // a sequence in flight is forgotten by the pack
                packedLogits = s.forwardPackedAllLogits(texts, packed);
                assertEquals(0, s.position(), "the pack leaves the session at position 0");
            }
            int row = 0;
            try (Session s = m.newSession(32, 32)) {
                for (int i = 0; i < texts.length; i++) {
                    AllStates alone = new AllStates(layers);
                    s.reset();
                    float[] logits = s.forwardAllLogits(texts[i], alone);
                    int n = texts[i].length;
                    assertSame(n, logits, Arrays.copyOfRange(packedLogits, row * vocab, (row + n) * vocab), model + " text " + i + " logits");
                    for (int index = 0; index <= layers + 1; index++) {
                        for (int r = 0; r < n; r++) {
                            assertSame(n, alone.byIndex.get(index).get(r), packed.byIndex.get(index).get(row + r),
                                    model + " text " + i + " row " + r + " hidden state " + (index > layers ? "prenorm" : index));
                        }
                    }
                    row += n;
                }
            }
            assertEquals(total, row);
        }
    }

    /**
     * Bit for bit, except for a one-token text: alone, that is a decode step (matrix-vector, RowDot's
     * summation order), while in the pack its row goes through prefill's GEMM (one fma chain per output,
     * see docs/design.md) — the same to rounding, here within 1e-6 relative L2 (KvCacheConsistencyTest's bound).
     */
    private static void assertSame(int textLength, float[] alone, float[] packed, String what) {
        if (textLength > 1) {
            assertArrayEquals(alone, packed, what);
            return;
        }
        double rel = io.scalpel.testing.GoldenFixture.relativeL2(packed, alone);
        org.junit.jupiter.api.Assertions.assertTrue(rel < 1e-6, what + ": relative L2 " + rel + " (one-token text: decode vs prefill order)");
    }

    @Test void aPackLargerThanTheChunkOrWithAnEmptyTextIsRefused() {
        try (CpuBackend backend = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(SharedData.require("models/stories260K/stories260K.bin"));
             Transformer m = new Transformer(ck.config(), ck.weights(), backend);
             Session s = m.newSession(16, 8)) {
            assertEquals(8, s.chunkRows());
            assertThrows(IllegalArgumentException.class, () -> s.forwardPacked(new int[][]{{1, 2, 3, 4, 5}, {1, 2, 3, 4}}, null));
            assertThrows(IllegalArgumentException.class, () -> s.forwardPacked(new int[][]{{1, 2}, {}}, null));
            assertThrows(IllegalArgumentException.class, () -> s.forwardPacked(new int[0][], null));
        }
    }
}
