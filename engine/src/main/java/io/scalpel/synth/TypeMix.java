package io.scalpel.synth;

import io.scalpel.tensor.DType;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which type each matrix of a quantized synthetic GGUF is stored in: all the spec's type ({@link #UNIFORM}),
 * or llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q4_K_M} mix ({@link #Q4_K_M}, {@code general.file_type} 15).
 *
 * <p>The Q4_K_M rule is llama.cpp's {@code llama_tensor_get_type} (src/llama-quant.cpp; read in
 * JohannesGaessler/llama.cpp at commit 5a44f27e) for a dense, non-Falcon Llama: every matrix Q4_K except
 * <ul>
 *   <li>{@code output.weight} — or {@code token_embd.weight} when the embeddings are tied (no output
 *       tensor) — Q6_K;</li>
 *   <li>{@code attn_v.weight} and {@code ffn_down.weight} of layer i of n, Q6_K where {@code use_more_bits(i, n)}:
 *       {@code i < n/8 || i >= 7n/8 || (i − n/8) % 3 == 2} (integer division, as in C++);</li>
 * </ul>
 * the separate {@code token_embd.weight} stays Q4_K. Not modelled: the 70B attn_v bump to Q5_K, MoE
 * experts, and llama.cpp's fallbacks for rows that are not whole super-blocks (such matrices, and all
 * vectors, stay F32 here, as for every quantized synth type).
 */
public enum TypeMix {
    UNIFORM,
    Q4_K_M;

    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    /** llama.cpp's {@code general.file_type} for MOSTLY_Q4_K_M. */
    public static final int Q4_K_M_FILE_TYPE = 15;

    /**
     * The type GGUF tensor {@code name} gets in a file of nominal type {@code dtype} with {@code layers} layers,
     * before the whole-block check.
     */
    DType typeOf(String name, DType dtype, int layers, boolean tiedEmbeddings) {
        if (this == UNIFORM) return dtype;
        if (name.equals("output.weight") || (tiedEmbeddings && name.equals("token_embd.weight"))) return DType.Q6_K;
        Matcher m = LAYER.matcher(name);
        if (m.matches() && (m.group(2).equals("attn_v.weight") || m.group(2).equals("ffn_down.weight"))
                && useMoreBits(Integer.parseInt(m.group(1)), layers)) {
            return DType.Q6_K;
        }
        return DType.Q4_K;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third one between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }
}
