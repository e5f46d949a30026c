package io.scalpel.tokenizer;

/** What a vocabulary entry is, with llama.cpp's numbering ({@code tokenizer.ggml.token_type}). */
public enum TokenType {
    /** Ordinary text piece. */
    NORMAL,
    /** The unknown-token placeholder. */
    UNKNOWN,
    /** BOS, EOS and other markers with no text. */
    CONTROL,
    /** Added token matched as a whole in the input and printed as written. */
    USER_DEFINED,
    /** Reserved slot. */
    UNUSED,
    /** One raw byte, spelled {@code <0xNN>}. */
    BYTE;

    /** llama.cpp's values are 1..6 (0 is "undefined", read as NORMAL). */
    public static TokenType fromGguf(int value) {
        return switch (value) {
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> NORMAL;
        };
    }

    /** Whether the encoder matches this token's text as a whole before splitting text into pieces. */
    public boolean matchedInText() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
