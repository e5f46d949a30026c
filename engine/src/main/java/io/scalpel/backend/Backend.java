package io.scalpel.backend;

import io.scalpel.tensor.Tensor;

/**
 * Every operation the forward pass and the surgery need, written once against this interface.
 * {@code CpuBackend} (Vector API, thread pool) is the reference; {@code CudaBackend} (JCuda + the PTX
 * of {@code kernels/}) is tested against it.
 *
 * <p>Conventions: activations are fp32 row-major [rows, cols]; weights stay in their stored dtype and
 * arithmetic accumulates in fp32. Ops may run asynchronously on a device: {@link #read} waits for
 * everything queued before it.
 */
public interface Backend extends AutoCloseable {

    /** "cpu", or "cuda:&lt;device name&gt;". */
    String name();

    // ---- memory ----------------------------------------------------------------------------------

    /** Makes a weight resident in its stored dtype. F32 stays F32 unless the backend was told to cast. */
    Weight upload(Tensor tensor);

    /** A zeroed fp32 buffer of {@code length} elements. */
    Buffer allocate(long length);

    /** Copies {@code src[0..n)} into {@code dst[0..n)}, n = src.length. */
    void write(Buffer dst, float[] src);

    /** Copies {@code src[0..n)} into {@code dst}, n = dst.length; waits for queued work first. */
    void read(Buffer src, float[] dst);

    /** {@code dst[0..n) = src[0..n)}. */
    void copy(Buffer dst, Buffer src, long n);

    // ---- forward pass ----------------------------------------------------------------------------

    /** {@code out[t,:] = table[tokens[t],:]} widened to fp32. */
    void embed(Buffer out, Weight table, int[] tokens);

    /** {@code out[r,:] = x[r,:] / sqrt(mean(x[r,:]²) + eps) * gamma} for {@code rows} rows of {@code dim}. */
    void rmsNorm(Buffer out, Buffer x, Weight gamma, int rows, int dim, float eps);

    /** {@code out[rows, N] = x[rows, K] · Wᵀ} with W of shape [N, K]; fp32 accumulation. */
    void matmul(Buffer out, Buffer x, Weight w, int rows);

    /** {@code x[r,:] += bias} for each of {@code rows} rows. */
    void addBias(Buffer x, Weight bias, int rows);

    /**
     * Rotary embedding in the "rotate_half" convention: within each head, element i pairs with
     * i + headDim/2. Row r is at position {@code pos0 + r}; {@code cos}/{@code sin} are tables of
     * shape [maxPositions, headDim/2].
     */
    void rope(Buffer x, int rows, int heads, int headDim, int pos0, Buffer cos, Buffer sin);

    /**
     * Causal grouped-query attention. {@code q} is [rows, heads·headDim] for positions
     * {@code pos0 .. pos0+rows-1}; the caches are [capacity, kvHeads·headDim] and already hold keys
     * and values up to {@code pos0+rows-1}. Query head h reads kv head {@code h / (heads/kvHeads)}.
     * Scores are scaled by 1/sqrt(headDim). Writes {@code out} [rows, heads·headDim].
     */
    void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int rows, int pos0,
                   int heads, int kvHeads, int headDim);

    /**
     * Two products of the same input, {@code outA = x · waᵀ} and {@code outB = x · wbᵀ} (gate and up): as two
     * {@link #matmul} calls, which a backend may fuse into one pass (the CUDA backend does for one row).
     */
    default void matmulPair(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb) {
        matmul(outA, x, wa, rows);
        matmul(outB, x, wb, rows);
    }

    /** Three products of the same input (Q, K and V): as three {@link #matmul} calls, which a backend may fuse. */
    default void matmulTriple(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb, Buffer outC, Weight wc) {
        matmul(outA, x, wa, rows);
        matmul(outB, x, wb, rows);
        matmul(outC, x, wc, rows);
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]} for i in [0, n). */
    void swiglu(Buffer gate, Buffer up, long n);

    /** {@code x[i] += y[i]} for i in [0, n). */
    void add(Buffer x, Buffer y, long n);

    /** Index of the largest of {@code x[0..n)} (lowest index on ties). NaN never wins; if every value is NaN the answer is 0. */
    int argmax(Buffer x, int n);

    /**
     * Draws one token from {@code logits[0..n)}: softmax at {@code temperature} (> 0), restricted to
     * the {@code topK} most likely (0 = no limit), then to the smallest most-likely prefix whose
     * probability reaches {@code topP} (1 = no limit), renormalised; the token is where {@code uniform}
     * (in [0,1)) falls in the cumulative distribution taken in descending probability order (lower id
     * first on ties). A NaN logit has probability 0; when no logit is above -infinity (all NaN or -inf)
     * the answer is 0. Only the chosen id crosses back to the host.
     */
    int sample(Buffer logits, int n, float temperature, int topK, float topP, double uniform);

    // ---- surgery ---------------------------------------------------------------------------------

    /** {@code out[r] = cos(W[r,:], v)} for every row r of W; fp32; 0 where a norm is 0. */
    void rowCosines(Buffer out, Weight w, Buffer v);

    /**
     * {@code W[r,:] = round(W[r,:] + alpha·v)} for each listed row: computed in fp32 from the stored
     * value, rounded once to the stored dtype (round to nearest even).
     */
    void addToRows(Weight w, int[] rows, Buffer v, float alpha);

    /** The stored bits of the listed rows, concatenated (rows.length × cols × dtype bytes). */
    byte[] readRows(Weight w, int[] rows);

    /** Writes stored bits back into the listed rows: the exact inverse of {@link #readRows}. */
    void writeRows(Weight w, int[] rows, byte[] bits);

    /** Frees every buffer and weight this backend still holds. */
    @Override void close();
}
