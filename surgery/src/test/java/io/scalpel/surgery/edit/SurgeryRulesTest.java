package io.scalpel.surgery.edit;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's rules, recomputed plainly in float64 from the checkpoint's bytes: global ranking of
 * gate rows by −cos(w, v), top K, w ← w + α·v on exactly those rows; α = 0 is a no-op; revert restores
 * bits and logits exactly.
 */
class SurgeryRulesTest {

    private static float[] direction(int dim, long seed) {
        Random r = new Random(seed);
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) v[i] = (float) (r.nextGaussian() * 0.6 / Math.sqrt(dim));
        return v;
    }

    private record Ranked(int layer, int row, double cos) {}

    /** Float64 reference: every row's cosine from the stored values, sorted by −cos descending (most anti-aligned first), ties by (layer, row). */
    private static List<Ranked> referenceRanking(Checkpoint ck, float[] v) {
        double vn = 0;
        for (float x : v) vn += (double) x * x;
        vn = Math.sqrt(vn);
        List<Ranked> all = new ArrayList<>();
        for (int l = 0; l < ck.config().layers(); l++) {
            Tensor g = ck.weights().layers().get(l).gate();
            int k = g.cols();
            for (int r = 0; r < g.rows(); r++) {
                double dot = 0, n = 0;
                for (int i = 0; i < k; i++) {
                    double w = g.getFloat((long) r * k + i);
                    dot += w * v[i];
                    n += w * w;
                }
                all.add(new Ranked(l, r, dot / (Math.sqrt(n) * vn)));
            }
        }
        all.sort(Comparator.comparingDouble((Ranked x) -> x.cos).thenComparingInt(Ranked::layer).thenComparingInt(Ranked::row));
        return all;
    }

    private static byte[][] gateBits(Transformer m) {
        byte[][] out = new byte[m.config().layers()][];
        int[] all = java.util.stream.IntStream.range(0, m.config().hiddenDim()).toArray();
        for (int l = 0; l < out.length; l++) out[l] = m.backend().readRows(m.gateWeights().get(l), all);
        return out;
    }

    private static float[] logits(Transformer m, int[] ids) {
        try (Session s = m.newSession(ids.length)) {
            return s.forwardAllLogits(ids, null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama_tiny_f32", "llama_f16", "llama_bf16", "stories260K"})
    void selectionAndEditFollowThePaperExactly(String fixture) {
        GoldenFixture f = GoldenFixture.load(fixture);
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            float[] v = direction(ck.config().dim(), 7);
            int k = 40;
            Selection sel = GateRowSelector.select(Arrays.asList(GateCosines.compute(model, v)), k);
            List<Ranked> ref = referenceRanking(ck, v);
            for (int i = 0; i < k; i++) {
                assertEquals(ref.get(i).layer(), sel.layerOf(i), "rank " + i + " layer");
                assertEquals(ref.get(i).row(), sel.rowOf(i), "rank " + i + " row");
            }

            byte[][] before = gateBits(model);
            float[] logitsBefore = logits(model, f.inputIds());
            Surgeon surgeon = new Surgeon(model);
            float alpha = 1.08f;
            Edit edit = surgeon.apply(sel.rows(), v, alpha);
            byte[][] after = gateBits(model);

            DType dt = ck.weights().layers().getFirst().gate().dtype();
            Set<Long> selected = new HashSet<>();
            for (int[] lr : sel.rows()) selected.add(((long) lr[0] << 32) | lr[1]);
            int cols = ck.config().dim(), bytes = dt.bytes();
            for (int l = 0; l < before.length; l++) {
                Tensor g = ck.weights().layers().get(l).gate();
                for (int r = 0; r < ck.config().hiddenDim(); r++) {
                    boolean edited = selected.contains(((long) l << 32) | r);
                    for (int i = 0; i < cols; i++) {
                        int off = (r * cols + i) * bytes;
                        int bitsAfter = bits(after[l], off, bytes), bitsBefore = bits(before[l], off, bytes);
                        if (!edited) {
                            assertEquals(bitsBefore, bitsAfter, "unselected row " + l + "/" + r + " changed");
                            continue;
                        }
                        double expected = (double) g.getFloat((long) r * cols + i) + (double) alpha * v[i];
                        float got = dt.decode(bitsAfter);
                        int expectedBits = dt.encode((float) expected);
                        // fp32 arithmetic then one rounding may land one step of the stored type from the
                        // float64 result rounded once; never further.
                        assertTrue(Math.abs(ordered(expectedBits, dt) - ordered(bitsAfter, dt)) <= 1,
                                "row " + l + "/" + r + " col " + i + ": " + got + " vs float64 " + expected);
                    }
                }
            }
            assertNotEquals(0, GoldenFixture.relativeL2(logits(model, f.inputIds()), logitsBefore), "the edit changed nothing");

            surgeon.revert(edit);
            byte[][] reverted = gateBits(model);
            for (int l = 0; l < before.length; l++) assertArrayEquals(before[l], reverted[l], "layer " + l + " not restored bit-exactly");
            assertArrayEquals(logitsBefore, logits(model, f.inputIds()), "logits after revert");

            Edit zero = surgeon.apply(sel.rows(), v, 0f);
            for (int l = 0; l < before.length; l++) assertArrayEquals(before[l], gateBits(model)[l], "alpha = 0 changed layer " + l);
            surgeon.revert(zero);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama_f16"})
    void stackedEditsRevertInAnyOrder(String fixture) {
        GoldenFixture f = GoldenFixture.load(fixture);
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            byte[][] base = gateBits(model);
            Surgeon s = new Surgeon(model);
            Edit a = s.apply(new int[][]{{0, 1}, {1, 5}}, direction(ck.config().dim(), 1), 1f);
            byte[][] afterA = gateBits(model);
            Edit b = s.apply(new int[][]{{2, 3}, {0, 7}}, direction(ck.config().dim(), 2), -1f);
            s.revert(a); // disjoint rows: b's edit stays, a's rows come back
            byte[][] onlyB = gateBits(model);
            s.revert(b);
            byte[][] none = gateBits(model);
            for (int l = 0; l < base.length; l++) assertArrayEquals(base[l], none[l]);
            assertNotEquals(Arrays.hashCode(afterA[0]), Arrays.hashCode(base[0]));
            assertTrue(!Arrays.equals(onlyB[2], base[2]) && Arrays.equals(onlyB[1], base[1]));
        }
    }

    private static int bits(byte[] b, int off, int bytes) {
        int v = 0;
        for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    /** Maps a float's bits to a monotone integer line so adjacent representable values differ by 1. */
    private static long ordered(int bits, DType dt) {
        int signBit = dt == DType.F32 ? 31 : 15;
        long mag = bits & ((1L << signBit) - 1);
        return ((bits >>> signBit) & 1) == 1 ? -mag : mag;
    }
}
