package io.scalpel.backend.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The element-wise and attention ops a decode step now shares out across the pool give the bits of the
 * one-thread run, and the values of a plain reference written here.
 */
class SplitOpsTest {
    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void swigluSplitAcrossThreadsEqualsTheFormulaBitForBit() {
        int n = 2048 + 37;
        SplittableRandom r = new SplittableRandom(11);
        float[] gate = gaussian(r, n, 4), up = gaussian(r, n, 1);
        try (CpuBackend split = new CpuBackend(3, 0)) {
            Buffer g = split.allocate(n), u = split.allocate(n);
            split.write(g, gate);
            split.write(u, up);
            split.swiglu(g, u, n);
            float[] got = new float[n];
            split.read(g, got);
            for (int i = 0; i < n; i++) {
                // silu(v)·u as documented: v / (1 + e^-v) in float with VectorExp's exp, times u in float
                float expected = gate[i] / (1f + VectorExp.scalar(-gate[i])) * up[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]), "element " + i);
                // and within a few roundings of the exact formula (exp ≤ 2 ulps, then an add, a divide, a multiply)
                double exact = gate[i] / (1.0 + StrictMath.exp(-gate[i])) * up[i];
                assertEquals(exact, got[i], 6 * Math.ulp((float) exact) + Float.MIN_NORMAL, "element " + i + " against the double formula");
            }
        }
    }

    @Test
    void decodeAttentionSplitAcrossHeadsEqualsOneThreadAndANaiveSoftmax() {
        int heads = 12, kvHeads = 4, headDim = 64, pos0 = 150, qDim = heads * headDim, kvDim = kvHeads * headDim;
        SplittableRandom r = new SplittableRandom(12);
        float[] q = gaussian(r, qDim, 1), k = gaussian(r, (pos0 + 1) * kvDim, 1), v = gaussian(r, (pos0 + 1) * kvDim, 1);
        float[][] outs = new float[2][];
        // 3 threads with every job split, and 1 thread: the same bits
        try (CpuBackend split = new CpuBackend(3, 0); CpuBackend one = new CpuBackend(1)) {
            CpuBackend[] backends = {split, one};
            for (int b = 0; b < 2; b++) {
                CpuBackend be = backends[b];
                Buffer qb = be.allocate(qDim), kb = be.allocate(k.length), vb = be.allocate(v.length), out = be.allocate(qDim);
                be.write(qb, q);
                be.write(kb, k);
                be.write(vb, v);
                be.attention(out, qb, kb, vb, 1, pos0, heads, kvHeads, headDim);
                outs[b] = new float[qDim];
                be.read(out, outs[b]);
            }
        }
        for (int i = 0; i < qDim; i++) assertEquals(Float.floatToRawIntBits(outs[1][i]), Float.floatToRawIntBits(outs[0][i]), "output " + i);
        int group = heads / kvHeads, len = pos0 + 1;
        for (int h = 0; h < heads; h++) {
            double[] o = naiveAttention(q, h * headDim, k, v, kvDim, (h / group) * headDim, headDim, len);
            for (int d = 0; d < headDim; d++) assertEquals(o[d], outs[0][h * headDim + d], 1e-5, "head " + h + ", dim " + d);
        }
    }

    /** One head's attention output in double: softmax(q·kⱼ/√d) over the first {@code n} keys, times V. */
    private static double[] naiveAttention(float[] q, int qOff, float[] k, float[] v, int kvDim, int kvOff, int headDim, int n) {
        double[] p = new double[n], o = new double[headDim];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int d = 0; d < headDim; d++) s += (double) q[qOff + d] * k[j * kvDim + kvOff + d];
            p[j] = s / Math.sqrt(headDim);
            max = Math.max(max, p[j]);
        }
        for (int j = 0; j < n; j++) sum += p[j] = Math.exp(p[j] - max);
        for (int d = 0; d < headDim; d++) for (int j = 0; j < n; j++) o[d] += p[j] / sum * v[j * kvDim + kvOff + d];
        return o;
    }

    @Test
    void prefillAttentionRowsEqualEachRowDecodedAloneAndANaiveSoftmax() {
        // head sizes: whole 4-vector blocks, a single-vector remainder, a scalar tail; key counts not multiples of 4
        for (int headDim : new int[]{64, 40, 38}) {
            int heads = 6, kvHeads = 2, pos0 = 5, rows = 11, qDim = heads * headDim, kvDim = kvHeads * headDim, len = pos0 + rows;
            SplittableRandom r = new SplittableRandom(13 + headDim);
            float[] q = gaussian(r, rows * qDim, 1), k = gaussian(r, len * kvDim, 1), v = gaussian(r, len * kvDim, 1);
            float[] prefill = new float[rows * qDim];
            try (CpuBackend split = new CpuBackend(3, 0); CpuBackend one = new CpuBackend(1)) {
                Buffer kb = split.allocate(k.length), vb = split.allocate(v.length);
                split.write(kb, k);
                split.write(vb, v);
                Buffer qb = split.allocate(q.length), out = split.allocate(q.length);
                split.write(qb, q);
                split.attention(out, qb, kb, vb, rows, pos0, heads, kvHeads, headDim);
                split.read(out, prefill);
                Buffer k1 = one.allocate(k.length), v1 = one.allocate(v.length), q1 = one.allocate(qDim), o1 = one.allocate(qDim);
                one.write(k1, k);
                one.write(v1, v);
                float[] row = new float[qDim], alone = new float[qDim];
                for (int t = 0; t < rows; t++) {
                    System.arraycopy(q, t * qDim, row, 0, qDim);
                    one.write(q1, row);
                    one.attention(o1, q1, k1, v1, 1, pos0 + t, heads, kvHeads, headDim);
                    one.read(o1, alone);
                    for (int i = 0; i < qDim; i++) {
                        assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(prefill[t * qDim + i]), "headDim " + headDim + ", row " + t + ", output " + i);
                    }
                }
            }
            int group = heads / kvHeads;
            for (int t = 0; t < rows; t++) {
                for (int h = 0; h < heads; h++) {
                    double[] o = naiveAttention(q, t * qDim + h * headDim, k, v, kvDim, (h / group) * headDim, headDim, pos0 + t + 1);
                    for (int d = 0; d < headDim; d++) {
                        assertEquals(o[d], prefill[t * qDim + h * headDim + d], 1e-5, "headDim " + headDim + ", row " + t + ", head " + h + ", dim " + d);
                    }
                }
            }
        }
    }

    @Test
    void promptRowOpsSplitAcrossThreadsEqualOneThreadAndAPlainReference() {
        int rows = 37, heads = 4, headDim = 48, dim = heads * headDim, half = headDim / 2, pos0 = 3;
        SplittableRandom r = new SplittableRandom(14);
        float[] x = gaussian(r, rows * dim, 2), y = gaussian(r, rows * dim, 1), gains = gaussian(r, dim, 1);
        float[] cos = new float[(pos0 + rows) * half], sin = new float[cos.length];
        for (int i = 0; i < cos.length; i++) {
            cos[i] = (float) Math.cos(0.01 * i);
            sin[i] = (float) Math.sin(0.01 * i);
        }
        float[][][] results = new float[2][3][rows * dim];
        try (Arena arena = Arena.ofShared(); CpuBackend split = new CpuBackend(3, 0); CpuBackend one = new CpuBackend(1)) {
            MemorySegment g = arena.allocate(4L * dim);
            for (int i = 0; i < dim; i++) g.setAtIndex(Tensor.F32_LE, i, gains[i]);
            CpuBackend[] backends = {split, one};
            for (int b = 0; b < 2; b++) {
                CpuBackend be = backends[b];
                Weight gw = be.upload(new Tensor("norm", DType.F32, new long[]{dim}, g));
                Buffer xb = be.allocate(x.length), yb = be.allocate(y.length), nb = be.allocate(x.length), cb = be.allocate(cos.length), sb = be.allocate(sin.length);
                be.write(xb, x);
                be.write(yb, y);
                be.write(cb, cos);
                be.write(sb, sin);
                be.rmsNorm(nb, xb, gw, rows, dim, 1e-5f);
                be.read(nb, results[b][0]);
                be.rope(nb, rows, heads, headDim, pos0, cb, sb);
                be.read(nb, results[b][1]);
                be.add(xb, yb, (long) rows * dim);
                be.read(xb, results[b][2]);
            }
        }
        String[] ops = {"rmsNorm", "rope", "add"};
        for (int op = 0; op < 3; op++) {
            for (int i = 0; i < rows * dim; i++) {
                assertEquals(Float.floatToRawIntBits(results[1][op][i]), Float.floatToRawIntBits(results[0][op][i]), ops[op] + ", element " + i);
            }
        }
        for (int t = 0; t < rows; t++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[t * dim + i] * x[t * dim + i];
            double inv = 1 / Math.sqrt(ss / dim + 1e-5f);
            for (int i = 0; i < dim; i++) {
                double norm = x[t * dim + i] * inv * gains[i];
                assertEquals(norm, results[0][0][t * dim + i], 1e-5 * Math.max(1, Math.abs(norm)), "rmsNorm row " + t + ", element " + i);
                assertEquals(x[t * dim + i] + y[t * dim + i], results[0][2][t * dim + i], "add row " + t + ", element " + i);
            }
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < half; i++) {
                    int at = t * dim + h * headDim + i, tab = (pos0 + t) * half + i;
                    double x0 = results[0][0][at], x1 = results[0][0][at + half];
                    assertEquals(x0 * cos[tab] - x1 * sin[tab], results[0][1][at], 1e-5, "rope row " + t + ", head " + h + ", pair " + i);
                    assertEquals(x1 * cos[tab] + x0 * sin[tab], results[0][1][at + half], 1e-5, "rope row " + t + ", head " + h + ", pair " + i);
                }
            }
        }
    }

    /**
     * Attention gives, bit for bit, its summation rule written out in scalar code (with {@link VectorExp}'s
     * exp, tested on its own in {@code VectorExpTest}): each score is
     * {@link RowDot#dot}'s order (one FMA chain per lane over whole vectors, lanes added left to right,
     * then the tail), each output lane of the weighted sum one FMA chain over the positions in order (a
     * plain multiply-add past the last whole vector). Head sizes with and without a tail, context lengths
     * that are and are not whole blocks of four keys, one and several query rows.
     */
    @Test
    void attentionGivesTheBitsOfItsSummationRuleWrittenOutInScalar() {
        int L = RowDot.F.length();
        for (int headDim : new int[] {64, 43, 5}) {
            for (int pos0 : new int[] {0, 2, 7, 150}) {
                int rows = pos0 == 2 ? 3 : 1, heads = 4, kvHeads = 2, group = heads / kvHeads;
                int qDim = heads * headDim, kvDim = kvHeads * headDim, positions = pos0 + rows;
                SplittableRandom r = new SplittableRandom(headDim * 1000L + pos0);
                float[] q = gaussian(r, rows * qDim, 1), k = gaussian(r, positions * kvDim, 1), v = gaussian(r, positions * kvDim, 1);
                float[] got = new float[rows * qDim];
                try (CpuBackend be = new CpuBackend(2, 0)) {
                    Buffer qb = be.allocate(q.length), kb = be.allocate(k.length), vb = be.allocate(v.length), out = be.allocate(got.length);
                    be.write(qb, q);
                    be.write(kb, k);
                    be.write(vb, v);
                    be.attention(out, qb, kb, vb, rows, pos0, heads, kvHeads, headDim);
                    be.read(out, got);
                }
                float scale = (float) (1.0 / Math.sqrt(headDim));
                int whole = headDim - headDim % L;
                for (int t = 0; t < rows; t++) {
                    for (int h = 0; h < heads; h++) {
                        int qOff = t * qDim + h * headDim, kvOff = (h / group) * headDim, len = pos0 + t + 1;
                        float[] p = new float[len];
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < len; j++) {
                            float[] lanes = new float[L];
                            for (int i = 0; i < whole; i++) lanes[i % L] = Math.fma(q[qOff + i], k[j * kvDim + kvOff + i], lanes[i % L]);
                            float sum = 0f;
                            for (int l = 0; l < L; l++) sum += lanes[l];
                            for (int i = whole; i < headDim; i++) sum += q[qOff + i] * k[j * kvDim + kvOff + i];
                            p[j] = sum * scale;
                            max = Math.max(max, p[j]);
                        }
                        double total = 0;
                        for (int j = 0; j < len; j++) total += p[j] = VectorExp.scalar(p[j] - max); // its vector form gives the same bits
                        float inv = 1f / (float) total;
                        for (int d = 0; d < headDim; d++) {
                            float acc = 0f;
                            for (int j = 0; j < len; j++) {
                                float vd = v[j * kvDim + kvOff + d];
                                acc = d < whole ? Math.fma(vd, p[j], acc) : acc + p[j] * vd;
                            }
                            String where = "headDim " + headDim + ", pos0 " + pos0 + ", row " + t + ", head " + h + ", dim " + d;
                            assertEquals(Float.floatToRawIntBits(acc * inv), Float.floatToRawIntBits(got[qOff + d]), where);
                        }
                    }
                }
            }
        }
    }

    /**
     * Decode's Q/K/V and gate/up are one pool job each (chunks of 4-row blocks may span two weights): every
     * output equals its weight's product done alone on one thread, and for F32
     * {@link RowDot#dot} of the widened row, bit for bit. Row counts that are not multiples of 4 put block
     * boundaries inside a chunk and chunks across weights; the dtypes are mixed, as in a Q4_K_M file.
     */
    @Test
    void decodeProductsSharingOneJobEqualEachProductAloneBitForBit() {
        int k = 160;
        int[] n = {13, 6, 22};
        DType[] dtypes = {DType.F32, DType.BF16, DType.Q8_0};
        SplittableRandom r = new SplittableRandom(15);
        float[] x = gaussian(r, k, 1);
        float[][][] got = new float[2][3][];
        try (Arena arena = Arena.ofShared(); CpuBackend split = new CpuBackend(3, 0); CpuBackend one = new CpuBackend(1)) {
            Tensor[] tensors = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                float[] w = gaussian(r, n[i] * k, 0.1);
                MemorySegment bytes = arena.allocate(dtypes[i].byteSize((long) n[i] * k), 64);
                if (dtypes[i].isQuantized()) dtypes[i].codec().encodeRow(w, 0, w.length, bytes, 0);
                else for (int e = 0; e < w.length; e++) {
                    if (dtypes[i] == DType.F32) bytes.setAtIndex(Tensor.F32_LE, e, w[e]);
                    else bytes.setAtIndex(Tensor.I16_LE, e, (short) dtypes[i].encode(w[e]));
                }
                tensors[i] = new Tensor("w" + i, dtypes[i], new long[]{n[i], k}, bytes);
            }
            CpuBackend[] backends = {split, one};
            for (int b = 0; b < 2; b++) {
                CpuBackend be = backends[b];
                Weight[] ws = new Weight[3];
                Buffer[] outs = new Buffer[3];
                for (int i = 0; i < 3; i++) {
                    ws[i] = be.upload(tensors[i]);
                    outs[i] = be.allocate(n[i] + 5).slice(5, n[i]); // outputs at an offset
                }
                Buffer xb = be.allocate(k + 3).slice(3, k);
                be.write(xb, x);
                if (b == 0) {
                    be.matmulTriple(xb, 1, outs[0], ws[0], outs[1], ws[1], outs[2], ws[2]);
                } else {
                    for (int i = 0; i < 3; i++) be.matmul(outs[i], xb, ws[i], 1);
                }
                for (int i = 0; i < 3; i++) {
                    got[b][i] = new float[n[i]];
                    be.read(outs[i], got[b][i]);
                }
                if (b == 0) { // the pair as well, on the last two
                    be.matmulPair(xb, 1, outs[1], ws[1], outs[2], ws[2]);
                    for (int i = 1; i < 3; i++) {
                        float[] p = new float[n[i]];
                        be.read(outs[i], p);
                        assertArrayEquals(got[0][i], p, "matmulPair, weight " + i);
                    }
                }
            }
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < n[i]; j++) {
                    assertEquals(Float.floatToRawIntBits(got[1][i][j]), Float.floatToRawIntBits(got[0][i][j]), dtypes[i] + " weight " + i + ", row " + j);
                    // F32 decode keeps RowDot.dot's order; BF16 (int lanes) and the quantized types have their own,
                    // held to their references in CpuKernelsTest and QuantKernelsTest.
                    if (dtypes[i] != DType.F32) continue;
                    float[] row = new float[k];
                    RowDot.widenRow(tensors[i].data(), dtypes[i], j, k, row);
                    assertEquals(Float.floatToRawIntBits(RowDot.dot(row, 0, x, 0, k)), Float.floatToRawIntBits(got[0][i][j]), dtypes[i] + " weight " + i + ", row " + j + " against RowDot.dot");
                }
            }
        }
    }
}
