package io.scalpel.bench.cuda;

import java.util.Map;

/**
 * The bytes a kernel must move and the flops it must do per call, from its benchmark's parameters — the
 * numerators of GB/s and TFLOP/s. Bytes count each input read once and each output written once (the
 * minimum traffic, as in each .cu file's Cost line), so achieved GB/s is comparable with a copy's.
 *
 * @param computeBound whether TFLOP/s (vs the GEMM ceiling) rather than GB/s (vs the copy ceiling) is the measure
 */
record KernelWork(double bytes, double flops, boolean computeBound) {

    static KernelWork of(String benchmark, Map<String, String> p) {
        String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        return switch (cls) {
            case "CudaCopyBench" -> memory(2.0 * Long.parseLong(p.get("mib")) * (1 << 20));
            case "CudaMatvecBench" -> {
                String[] s = p.get("shape").split("x");
                double n = Double.parseDouble(s[0]), k = Double.parseDouble(s[1]);
                yield new KernelWork(n * k * bytesOf(p.get("dtype")) + 4 * (n + k), 2 * n * k, false);
            }
            case "CudaMatmulBench" -> {
                String[] s = p.get("size").split("x");
                double m = Double.parseDouble(s[0]), n = Double.parseDouble(s[1]), k = Double.parseDouble(s[2]);
                yield new KernelWork(4 * m * k + n * k * bytesOf(p.get("dtype")) + 4 * m * n, 2 * m * n * k, true);
            }
            case "CudaGemmCeilingBench" -> {
                double s = CudaGemmCeilingBench.SIDE;
                yield new KernelWork(4 * s * s * 3, 2 * s * s * s, true);
            }
            case "CudaAttentionBench" -> {
                double ctx = Double.parseDouble(p.get("context"));
                double h = CudaAttentionBench.HEADS, kv = CudaAttentionBench.KV_HEADS, d = CudaAttentionBench.HEAD_DIM;
                double kvBytes = 2 * 4 * ctx * kv * d;
                yield p.get("mode").equals("decode")
                        ? new KernelWork(kvBytes + 2 * 4 * h * d, 4 * h * d * ctx, false)
                        : new KernelWork(kvBytes + 2 * 4 * ctx * h * d, 4 * h * d * ctx * (ctx + 1) / 2, true);
            }
            case "CudaElementwiseBench" -> {
                double rows = CudaElementwiseBench.ROWS, dim = CudaElementwiseBench.DIM;
                yield switch (p.get("op")) {
                    case "embed" -> memory(rows * dim * (2 + 4));
                    case "rmsnorm" -> memory(rows * dim * 8 + 2 * dim);
                    case "rope" -> memory(rows * dim * 8 + rows * CudaElementwiseBench.HEAD_DIM * 4);
                    case "swiglu" -> memory(rows * CudaElementwiseBench.HIDDEN * 12);
                    case "add" -> memory(rows * dim * 12);
                    default -> memory(0);
                };
            }
            case "CudaSamplingBench" -> memory(4.0 * CudaSamplingBench.VOCAB);
            case "CudaSurgeryBench" -> {
                double rows = CudaSurgeryBench.ROWS, cols = CudaSurgeryBench.COLS;
                yield p.get("op").equals("rowCosines") ? memory(rows * cols * 2 + 4 * cols + 4 * rows)
                        : memory(2.0 * CudaSurgeryBench.EDITED_ROWS * cols * 2 + 4 * cols);
            }
            default -> memory(0);
        };
    }

    private static KernelWork memory(double bytes) { return new KernelWork(bytes, 0, false); }

    private static int bytesOf(String dtype) { return dtype.equals("F32") ? 4 : 2; }
}
