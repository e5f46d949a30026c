package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.KernelParam;
import io.scalpel.backend.cuda.driver.KernelSignature;
import io.scalpel.kernels.PtxModule;
import io.scalpel.tensor.DType;

import java.util.List;

import static io.scalpel.backend.cuda.driver.KernelParam.DOUBLE;
import static io.scalpel.backend.cuda.driver.KernelParam.FLOAT;
import static io.scalpel.backend.cuda.driver.KernelParam.INT;
import static io.scalpel.backend.cuda.driver.KernelParam.LONG;
import static io.scalpel.backend.cuda.driver.KernelParam.POINTER;

/**
 * Every kernel the CUDA backend launches: its PTX module, entry point and C signature. This is the one
 * place the Java side states a kernel's parameters; {@link KernelArgs} checks each launch against it and
 * a host test checks it against the {@code .param} lists of the committed PTX, so a signature drift is
 * caught without a GPU.
 */
public enum CudaKernel {
    EMBED_F32(PtxModule.EMBEDDING, "embed_f32", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_F16(PtxModule.EMBEDDING, "embed_f16", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_BF16(PtxModule.EMBEDDING, "embed_bf16", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_Q8_0(PtxModule.EMBEDDING, "embed_q8_0", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_Q4_0(PtxModule.EMBEDDING, "embed_q4_0", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_Q4_K(PtxModule.EMBEDDING, "embed_q4_k", POINTER, POINTER, POINTER, INT, INT, INT),
    EMBED_Q6_K(PtxModule.EMBEDDING, "embed_q6_k", POINTER, POINTER, POINTER, INT, INT, INT),

    RMSNORM_F32(PtxModule.RMSNORM, "rmsnorm_f32", POINTER, POINTER, POINTER, INT, INT, FLOAT),
    RMSNORM_F16(PtxModule.RMSNORM, "rmsnorm_f16", POINTER, POINTER, POINTER, INT, INT, FLOAT),
    RMSNORM_BF16(PtxModule.RMSNORM, "rmsnorm_bf16", POINTER, POINTER, POINTER, INT, INT, FLOAT),

    ROPE_ROTATE_HALF(PtxModule.ROPE, "rope_rotate_half", POINTER, POINTER, POINTER, INT, INT, INT, INT, INT),
    ROPE_ROTATE_HALF_AT(PtxModule.ROPE, "rope_rotate_half_at", POINTER, POINTER, POINTER, INT, INT, INT, POINTER, INT),

    SWIGLU(PtxModule.SWIGLU, "swiglu", POINTER, POINTER, LONG),

    ADD(PtxModule.RESIDUAL, "add", POINTER, POINTER, LONG),
    ADD_BIAS_F32(PtxModule.RESIDUAL, "add_bias_f32", POINTER, POINTER, INT, INT),
    ADD_BIAS_F16(PtxModule.RESIDUAL, "add_bias_f16", POINTER, POINTER, INT, INT),
    ADD_BIAS_BF16(PtxModule.RESIDUAL, "add_bias_bf16", POINTER, POINTER, INT, INT),

    ARGMAX_PARTIAL(PtxModule.SAMPLING, "argmax_partial", POINTER, POINTER, POINTER, INT),
    ARGMAX_FINAL(PtxModule.SAMPLING, "argmax_final", POINTER, POINTER, POINTER, INT),
    SAMPLE_TOP_K_TOP_P(PtxModule.SAMPLING, "sample_top_k_top_p", POINTER, POINTER, INT, FLOAT, INT, FLOAT, DOUBLE),

    ATTENTION_DECODE_SPLIT(PtxModule.ATTENTION, "attention_decode_split",
            POINTER, POINTER, POINTER, POINTER, POINTER, INT, INT, INT, INT, INT, INT, INT, FLOAT),
    ATTENTION_DECODE_SPLIT_AT(PtxModule.ATTENTION, "attention_decode_split_at",
            POINTER, POINTER, POINTER, POINTER, POINTER, INT, POINTER, INT, INT, INT, INT, INT, FLOAT),
    KV_APPEND(PtxModule.ATTENTION, "kv_append", POINTER, POINTER, POINTER, POINTER, POINTER, INT),
    ADVANCE_POSITION(PtxModule.ATTENTION, "advance_position", POINTER),
    ATTENTION_DECODE_COMBINE(PtxModule.ATTENTION, "attention_decode_combine", POINTER, POINTER, POINTER, INT, INT, INT, INT),
    ATTENTION_PREFILL_FLASH(PtxModule.ATTENTION, "attention_prefill_flash",
            POINTER, POINTER, POINTER, POINTER, INT, INT, INT, INT, INT, FLOAT),

    MATVEC_F32(PtxModule.MATVEC, "matvec_f32", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_F16(PtxModule.MATVEC, "matvec_f16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_BF16(PtxModule.MATVEC, "matvec_bf16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_Q8_0(PtxModule.QUANT_MATVEC, "matvec_q8_0", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_Q4_0(PtxModule.QUANT_MATVEC, "matvec_q4_0", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_Q4_K(PtxModule.QUANT_MATVEC, "matvec_q4_k", POINTER, POINTER, POINTER, INT, INT, INT),
    MATVEC_Q6_K(PtxModule.QUANT_MATVEC, "matvec_q6_k", POINTER, POINTER, POINTER, INT, INT, INT),

    MATVEC3_F32(PtxModule.MATVEC, "matvec3_f32", POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, INT, INT),
    MATVEC3_F16(PtxModule.MATVEC, "matvec3_f16", POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, INT, INT),
    MATVEC3_BF16(PtxModule.MATVEC, "matvec3_bf16", POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, POINTER, INT, POINTER, INT, INT),

    MATMUL_NAIVE_F32(PtxModule.MATMUL, "matmul_naive_f32", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_NAIVE_F16(PtxModule.MATMUL, "matmul_naive_f16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_NAIVE_BF16(PtxModule.MATMUL, "matmul_naive_bf16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_F32(PtxModule.MATMUL, "matmul_tiled_f32", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_F16(PtxModule.MATMUL, "matmul_tiled_f16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_BF16(PtxModule.MATMUL, "matmul_tiled_bf16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_Q8_0(PtxModule.MATMUL, "matmul_tiled_q8_0", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_Q4_0(PtxModule.MATMUL, "matmul_tiled_q4_0", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_Q4_K(PtxModule.MATMUL, "matmul_tiled_q4_k", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_TILED_Q6_K(PtxModule.MATMUL, "matmul_tiled_q6_k", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_WMMA_F16(PtxModule.MATMUL, "matmul_wmma_f16", POINTER, POINTER, POINTER, INT, INT, INT),
    MATMUL_WMMA_BF16(PtxModule.MATMUL, "matmul_wmma_bf16", POINTER, POINTER, POINTER, INT, INT, INT),

    ROW_COSINES_F32(PtxModule.SURGERY, "row_cosines_f32", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_F16(PtxModule.SURGERY, "row_cosines_f16", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_BF16(PtxModule.SURGERY, "row_cosines_bf16", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_Q8_0(PtxModule.SURGERY, "row_cosines_q8_0", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_Q4_0(PtxModule.SURGERY, "row_cosines_q4_0", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_Q4_K(PtxModule.SURGERY, "row_cosines_q4_k", POINTER, POINTER, POINTER, INT, INT),
    ROW_COSINES_Q6_K(PtxModule.SURGERY, "row_cosines_q6_k", POINTER, POINTER, POINTER, INT, INT),
    ADD_TO_ROWS_F32(PtxModule.SURGERY, "add_to_rows_f32", POINTER, POINTER, INT, POINTER, FLOAT, INT, INT),
    ADD_TO_ROWS_F16(PtxModule.SURGERY, "add_to_rows_f16", POINTER, POINTER, INT, POINTER, FLOAT, INT, INT),
    ADD_TO_ROWS_BF16(PtxModule.SURGERY, "add_to_rows_bf16", POINTER, POINTER, INT, POINTER, FLOAT, INT, INT),
    GATHER_ROWS_U16(PtxModule.SURGERY, "gather_rows_u16", POINTER, POINTER, POINTER, INT, INT, INT),
    SCATTER_ROWS_U16(PtxModule.SURGERY, "scatter_rows_u16", POINTER, POINTER, POINTER, INT, INT, INT);

    private final PtxModule module;
    private final String entry;
    private final List<KernelParam> params;
    private final KernelSignature signature;

    CudaKernel(PtxModule module, String entry, KernelParam... params) {
        this.module = module;
        this.entry = entry;
        this.params = List.of(params);
        this.signature = new KernelSignature(entry, this.params);
    }

    public PtxModule module() { return module; }

    /** The {@code extern "C"} name, as in the PTX {@code .entry}. */
    public String entry() { return entry; }

    public List<KernelParam> params() { return params; }

    /** The quantized matrix-vector kernel for a weight stored as {@code dtype} (quant_matvec.cu). */
    static CudaKernel quantMatvec(DType dtype) { return byQuantType(dtype, MATVEC_Q8_0, MATVEC_Q4_0, MATVEC_Q4_K, MATVEC_Q6_K); }

    /**
     * The kernel of one op family for a weight of any stored dtype: F32/F16/BF16 from the first three, the
     * GGUF block types from the last four.
     */
    static CudaKernel byAnyDType(DType dtype, CudaKernel f32, CudaKernel f16, CudaKernel bf16,
                                 CudaKernel q8_0, CudaKernel q4_0, CudaKernel q4_k, CudaKernel q6_k) {
        return dtype.isQuantized() ? byQuantType(dtype, q8_0, q4_0, q4_k, q6_k) : byDType(dtype, f32, f16, bf16);
    }

    /** Picks the variant of a kernel family for a weight kept in GGUF blocks. */
    static CudaKernel byQuantType(DType dtype, CudaKernel q8_0, CudaKernel q4_0, CudaKernel q4_k, CudaKernel q6_k) {
        return switch (dtype) {
            case Q8_0 -> q8_0;
            case Q4_0 -> q4_0;
            case Q4_K -> q4_k;
            case Q6_K -> q6_k;
            case F32, F16, BF16, I32 -> throw new IllegalArgumentException(dtype + " is not a quantized type");
        };
    }

    /** The entry and parameter list, as the driver seam's {@link io.scalpel.backend.cuda.driver.KernelArgs} checks them. */
    public KernelSignature signature() { return signature; }

    /** Picks the variant of a kernel family for a weight's stored dtype. */
    static CudaKernel byDType(DType dtype, CudaKernel f32, CudaKernel f16, CudaKernel bf16) {
        return switch (dtype) {
            case F32 -> f32;
            case F16 -> f16;
            case BF16 -> bf16;
            case I32 -> throw new IllegalArgumentException("no kernel takes I32 weights (" + f32.entry + ")");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalArgumentException("no " + f32.entry + " variant takes " + dtype + " weights");
        };
    }
}
