package io.scalpel.tokenizer;

/** SentencePiece's spelling of byte-fallback tokens: {@code <0xNN>} with two upper-case hex digits. */
final class ByteTokenSpelling {
    private ByteTokenSpelling() {}

    static String of(int unsignedByte) {
        return String.format("<0x%02X>", unsignedByte);
    }

    /** The byte a token spells, or -1 if it is not spelled {@code <0xNN>}. */
    static int parse(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') return -1;
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }
}
