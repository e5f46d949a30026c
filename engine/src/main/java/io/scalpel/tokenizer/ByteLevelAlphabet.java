package io.scalpel.tokenizer;

/**
 * GPT-2's reversible map from bytes to printable code points ({@code bytes_to_unicode} in its encoder.py):
 * printable Latin-1 bytes stand for themselves, the other 68 take code points from U+0100 upwards in byte
 * order (so space is Ġ U+0120 and newline is Ċ U+010A). Byte-level vocabularies spell every token this way.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    static char charOf(int unsignedByte) { return BYTE_TO_CHAR[unsignedByte]; }

    /** The byte a code point stands for, or -1 if it is not in the alphabet. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }

    /** Bytes spelled in the alphabet. */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }
}
