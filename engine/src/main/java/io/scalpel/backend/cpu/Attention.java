package io.scalpel.backend.cpu;

/**
 * Causal grouped-query attention over a KV cache — the Java reference of {@code attention.cu}.
 * Each (query row, head) pair is one independent task: scores against every cached key up to the
 * row's own position, a max-subtracted softmax, then the probability-weighted sum of values.
 */
final class Attention {
    private Attention() {}

    static void run(WorkerPool pool, float[][] scratch, CpuBuffer out, CpuBuffer q, CpuBuffer kCache, CpuBuffer vCache,
                    int rows, int pos0, int heads, int kvHeads, int headDim) {
        int qDim = heads * headDim, kvDim = kvHeads * headDim, group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] qa = q.array(), ka = kCache.array(), va = vCache.array(), oa = out.array();
        pool.forRange(rows * heads, (from, to, worker) -> {
            float[] scores = scratch[worker];
            for (int task = from; task < to; task++) {
                int t = task / heads, h = task % heads;
                int qOff = q.offset() + t * qDim + h * headDim;
                int kvOff = (h / group) * headDim;
                int len = pos0 + t + 1;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    float s = RowDot.dot(qa, qOff, ka, kCache.offset() + j * kvDim + kvOff, headDim) * scale;
                    scores[j] = s;
                    if (s > max) max = s;
                }
                double sum = 0;
                for (int j = 0; j < len; j++) {
                    float e = (float) StrictMath.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                int oOff = out.offset() + t * qDim + h * headDim;
                for (int d = 0; d < headDim; d++) oa[oOff + d] = 0f;
                for (int j = 0; j < len; j++) {
                    float p = scores[j] * inv;
                    int vOff = vCache.offset() + j * kvDim + kvOff;
                    for (int d = 0; d < headDim; d++) oa[oOff + d] += p * va[vOff + d];
                }
            }
        });
    }
}
