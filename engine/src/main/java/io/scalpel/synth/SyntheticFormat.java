package io.scalpel.synth;

import java.util.Locale;

/** The checkpoint layouts a synthetic model can be written in. */
public enum SyntheticFormat {
    /** A Hugging Face directory: config.json + model.safetensors. */
    SAFETENSORS,
    /** One GGUF v3 file with llama.cpp's tensor names and llama metadata (no tokenizer). */
    GGUF,
    /** llama2.c's legacy {@code .bin}: fp32 only. */
    LLAMA2C;

    public static SyntheticFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "safetensors", "hf" -> SAFETENSORS;
            case "gguf" -> GGUF;
            case "llama2c", "bin" -> LLAMA2C;
            default -> throw new IllegalArgumentException("unknown format \"" + name + "\" (expected safetensors, gguf or llama2c)");
        };
    }
}
