package io.scalpel.io;

import io.scalpel.model.ModelConfig;

/**
 * The {@code general.*} and {@code <arch>.*} keys llama.cpp reads to build a model, from a
 * {@link ModelConfig} — the inverse of what {@link GgufCheckpointReader} reads. Mistral is written as
 * {@code llama} (llama.cpp has no separate architecture for it; the converter does the same).
 */
public final class GgufModelMetadata {
    private GgufModelMetadata() {}

    /** The {@code general.architecture} a config is written under. */
    public static String architecture(ModelConfig c) {
        return c.architecture().equals("qwen2") ? "qwen2" : "llama";
    }

    /**
     * @param fileType llama.cpp's {@code general.file_type} (0 all F32, 1 mostly F16, 32 mostly BF16, 7 mostly Q8_0, ...)
     */
    public static void put(GgufWriter w, ModelConfig c, String name, int fileType) {
        String arch = architecture(c);
        w.putString("general.architecture", arch);
        w.putString("general.name", name);
        w.putUint32("general.file_type", fileType);
        w.putUint32(arch + ".context_length", c.contextLength());
        w.putUint32(arch + ".embedding_length", c.dim());
        w.putUint32(arch + ".block_count", c.layers());
        w.putUint32(arch + ".feed_forward_length", c.hiddenDim());
        w.putUint32(arch + ".attention.head_count", c.heads());
        w.putUint32(arch + ".attention.head_count_kv", c.kvHeads());
        w.putUint32(arch + ".attention.key_length", c.headDim());
        w.putUint32(arch + ".attention.value_length", c.headDim());
        w.putUint32(arch + ".rope.dimension_count", c.headDim());
        w.putFloat32(arch + ".rope.freq_base", (float) c.ropeTheta());
        w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", c.normEps());
        w.putUint32(arch + ".vocab_size", c.vocabSize());
    }

    /**
     * llama.cpp's file type for a file whose matrices are of this ggml type, or -1 where it has none. An all-Q4_K
     * file is MOSTLY_Q4_K_S (14); _M (15) mixes in Q6_K, which one type cannot say. The field is informational:
     * llama.cpp loads tensors by their own types.
     */
    public static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 14; // MOSTLY_Q4_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> -1;
        };
    }

    /** llama.cpp's name of a {@code general.file_type} value (its {@code llama_ftype}), or "unknown". */
    public static String fileTypeName(int fileType) {
        return switch (fileType) {
            case 0 -> "ALL_F32";
            case 1 -> "MOSTLY_F16";
            case 2 -> "MOSTLY_Q4_0";
            case 3 -> "MOSTLY_Q4_1";
            case 7 -> "MOSTLY_Q8_0";
            case 8 -> "MOSTLY_Q5_0";
            case 9 -> "MOSTLY_Q5_1";
            case 10 -> "MOSTLY_Q2_K";
            case 11 -> "MOSTLY_Q3_K_S";
            case 12 -> "MOSTLY_Q3_K_M";
            case 13 -> "MOSTLY_Q3_K_L";
            case 14 -> "MOSTLY_Q4_K_S";
            case 15 -> "MOSTLY_Q4_K_M";
            case 16 -> "MOSTLY_Q5_K_S";
            case 17 -> "MOSTLY_Q5_K_M";
            case 18 -> "MOSTLY_Q6_K";
            case 32 -> "MOSTLY_BF16";
            default -> "unknown";
        };
    }
}
