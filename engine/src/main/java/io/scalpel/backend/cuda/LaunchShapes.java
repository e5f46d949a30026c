package io.scalpel.backend.cuda;

/**
 * The launch arithmetic of every kernel, as pure functions (tested on the host). The thread counts and
 * tile sizes here are the constants of the {@code .cu} files — a kernel's comment says which it assumes.
 */
public final class LaunchShapes {
    private LaunchShapes() {}

    /** Threads per block of the flat, row-per-block and warp-per-row kernels. */
    public static final int THREADS = 256;
    /** Grid-stride kernels never need more blocks than this to fill any current GPU several times. */
    public static final int MAX_STRIDED_BLOCKS = 1 << 16;
    /** matvec.cu / surgery.cu: one warp per output row, 8 warps per block. */
    public static final int ROWS_PER_WARP_BLOCK = THREADS / 32;
    /** matmul.cu: the tiled and the wmma kernels both own 64x64 output tiles. */
    public static final int MATMUL_TILE = 64;
    public static final int MATMUL_TILED_THREADS = 256;
    public static final int MATMUL_WMMA_THREADS = 128;
    public static final int MATMUL_NAIVE_SIDE = 16;
    /** attention.cu. */
    public static final int ATTENTION_THREADS = 128;
    public static final int ATTENTION_MAX_HEAD_DIM = 256;
    public static final int PREFILL_BLOCK_ROWS = 16;
    public static final int PREFILL_TILE_KEYS = 32;
    /** Fewer query rows than this take the split-K decode path; more, the tiled prefill kernel. */
    public static final int PREFILL_MIN_ROWS = PREFILL_BLOCK_ROWS;
    /** Keys per decode split at least: 4 warps get 16 keys each, enough to amortise the merge. */
    public static final int DECODE_MIN_CHUNK = 64;
    /** sampling.cu. */
    public static final int ARGMAX_THREADS = 256;
    public static final int ARGMAX_MAX_PARTIALS = 1024;
    public static final int SAMPLE_THREADS = 1024;
    /** Static shared memory a block may use without opting in. */
    public static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    static int ceilDiv(long a, long b) { return Math.toIntExact((a + b - 1) / b); }

    /** Grid-stride loop over n elements. */
    public static LaunchShape elementwise(long n) {
        return LaunchShape.linear((int) Math.max(1, Math.min(MAX_STRIDED_BLOCKS, (n + THREADS - 1) / THREADS)), THREADS);
    }

    /** One block per row (strided), threads over the row: rmsnorm. */
    public static LaunchShape rowPerBlock(int rows) {
        return LaunchShape.linear(Math.max(1, Math.min(rows, MAX_STRIDED_BLOCKS)), THREADS);
    }

    /** Columns in x, listed rows in y (both strided): embed, add_to_rows, gather/scatter. */
    public static LaunchShape rowsByColumns(int rows, int cols) {
        int x = Math.max(1, Math.min(ceilDiv(cols, THREADS), MAX_STRIDED_BLOCKS));
        int y = Math.max(1, Math.min(rows, LaunchShape.MAX_GRID_YZ));
        return new LaunchShape(x, y, 1, THREADS, 1, 1, 0);
    }

    /** One warp per output row of a matrix with {@code outputs} rows; x rows (strided) in y: matvec, row cosines. */
    public static LaunchShape warpPerRow(int outputs, int xRows) {
        return new LaunchShape(Math.max(1, ceilDiv(outputs, ROWS_PER_WARP_BLOCK)), Math.max(1, Math.min(xRows, LaunchShape.MAX_GRID_YZ)), 1,
                THREADS, 1, 1, 0);
    }

    public static LaunchShape matmulNaive(int m, int n) {
        return new LaunchShape(ceilDiv(n, MATMUL_NAIVE_SIDE), ceilDiv(m, MATMUL_NAIVE_SIDE), 1, MATMUL_NAIVE_SIDE, MATMUL_NAIVE_SIDE, 1, 0);
    }

    public static LaunchShape matmulTiled(int m, int n) {
        return new LaunchShape(ceilDiv(n, MATMUL_TILE), ceilDiv(m, MATMUL_TILE), 1, MATMUL_TILED_THREADS, 1, 1, 0);
    }

    public static LaunchShape matmulWmma(int m, int n) {
        return new LaunchShape(ceilDiv(n, MATMUL_TILE), ceilDiv(m, MATMUL_TILE), 1, MATMUL_WMMA_THREADS, 1, 1, 0);
    }

    /**
     * The split-K decode attention: how many keys each block takes and the two launches.
     *
     * @param chunk   keys per split
     * @param splits  splits per (row, head); the longest row needs exactly this many
     */
    public record DecodeAttention(int chunk, int splits, LaunchShape split, LaunchShape combine) {
        /** Floats of unnormalised partial outputs: [rows, heads, splits, headDim]. */
        public long partialOutputs(int rows, int heads, int headDim) { return (long) rows * heads * splits * headDim; }

        /** Floats of partial (max, sum) pairs: [rows, heads, splits, 2]. */
        public long partialStats(int rows, int heads) { return 2L * rows * heads * splits; }
    }

    /**
     * Splits the keys so the grid holds about two blocks per multiprocessor, but never fewer than
     * {@link #DECODE_MIN_CHUNK} keys per block.
     */
    public static DecodeAttention decodeAttention(int rows, int heads, int longestRow, int multiprocessors) {
        int wantedSplits = Math.max(1, ceilDiv(2L * multiprocessors, (long) heads * rows));
        int chunk = Math.max(DECODE_MIN_CHUNK, ceilDiv(longestRow, wantedSplits));
        int splits = ceilDiv(longestRow, chunk);
        int rowBlocks = Math.min(rows, LaunchShape.MAX_GRID_YZ);
        return new DecodeAttention(chunk, splits,
                new LaunchShape(splits, heads, rowBlocks, ATTENTION_THREADS, 1, 1, 0),
                new LaunchShape(heads, rowBlocks, 1, ATTENTION_THREADS, 1, 1, 0));
    }

    /** Dynamic shared memory of the prefill kernel: 16 q rows, a 32-key K tile padded to d+1, a 32-key V tile. */
    public static int prefillSharedBytes(int headDim) {
        return Float.BYTES * (PREFILL_BLOCK_ROWS * headDim + PREFILL_TILE_KEYS * (headDim + 1) + PREFILL_TILE_KEYS * headDim);
    }

    public static LaunchShape prefillAttention(int rows, int heads, int headDim) {
        return new LaunchShape(ceilDiv(rows, PREFILL_BLOCK_ROWS), heads, 1, ATTENTION_THREADS, 1, 1, prefillSharedBytes(headDim));
    }

    /** Blocks of the first argmax pass (each writes one partial). */
    public static int argmaxPartials(int n) { return Math.max(1, Math.min(ceilDiv(n, ARGMAX_THREADS), ARGMAX_MAX_PARTIALS)); }

    public static LaunchShape argmaxPartial(int n) { return LaunchShape.linear(argmaxPartials(n), ARGMAX_THREADS); }

    public static LaunchShape argmaxFinal() { return LaunchShape.linear(1, ARGMAX_THREADS); }

    public static LaunchShape sample() { return LaunchShape.linear(1, SAMPLE_THREADS); }
}
