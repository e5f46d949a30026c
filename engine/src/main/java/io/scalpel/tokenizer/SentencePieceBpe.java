package io.scalpel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece-style BPE (Llama 2, Mistral, TinyLlama, llama2.c): spaces are spelled with a marker
 * ({@code ▁}, or a plain space in llama2.c's tokenizer.bin), a marker is prepended to the text, the text is
 * split into characters, characters missing from the vocabulary fall back to {@code <0xNN>} byte tokens, and
 * adjacent symbols merge by the {@link MergeTable} (score order for GGUF and tokenizer.bin, merge-list order
 * for tokenizer.json; both give the same ids for Llama 2).
 *
 * <p>Text between special tokens is encoded separately and gets its own prefix, as llama.cpp does.
 */
public final class SentencePieceBpe implements Tokenizer {

    /**
     * How text becomes the string merges run on.
     *
     * @param spaceMarker        what spaces become ({@code ▁}; a space for llama2.c)
     * @param addSpacePrefix     prepend a space to the text and each text run after a special token
     * @param splitAtSpaceMarker encode each marker-led word on its own (Hugging Face Metaspace split)
     */
    public record Options(String spaceMarker, boolean addSpacePrefix, boolean splitAtSpaceMarker, PrefixRule prefixRule) {
        public static final Options SENTENCEPIECE = new Options("\u2581", true, false);
        public static final Options LLAMA2C = new Options(" ", true, false);

        /** SentencePiece's rule: a prefix before every run, whatever it begins with. */
        public Options(String spaceMarker, boolean addSpacePrefix, boolean splitAtSpaceMarker) {
            this(spaceMarker, addSpacePrefix, splitAtSpaceMarker, PrefixRule.EACH_RUN);
        }
    }

    /** Which text runs (the text between special tokens) get the space prefix, when {@code addSpacePrefix}. */
    public enum PrefixRule {
        /** SentencePiece and llama.cpp: the text and each run after a special token, even one already beginning with a space. */
        EACH_RUN,
        /** Hugging Face Metaspace {@code prepend_scheme: "always"}: each run, unless it already begins with a space. */
        EACH_RUN_UNLESS_SPACE,
        /** Hugging Face Metaspace {@code prepend_scheme: "first"}: only a run at the very start of the text, unless it begins with a space. */
        FIRST_RUN_UNLESS_SPACE
    }

    private final Vocabulary vocab;
    private final BpeMerger merger;
    private final Options options;
    private final SpecialTokenMatcher specials;
    private final int bosId;
    private final int eosId;
    private final int unkId;
    /** Id of {@code <0xNN>} for each byte, or -1. */
    private final int[] byteTokens = new int[256];
    /** What each id decodes to, in bytes. */
    private final byte[][] pieces;
    /** Id of each single-char (BMP) token, or -1: the encoder's per-character lookup without allocating a String. */
    private final int[] charTokens = new int[Character.MAX_VALUE + 1];

    SentencePieceBpe(Vocabulary vocab, MergeTable merges, Options options, SpecialTokenMatcher specials,
                     int bosId, int eosId, int unkId) {
        this.vocab = vocab;
        this.merger = new BpeMerger(merges);
        this.options = options;
        this.specials = specials;
        this.bosId = bosId;
        this.eosId = eosId;
        this.unkId = unkId;
        for (int b = 0; b < 256; b++) byteTokens[b] = vocab.id(ByteTokenSpelling.of(b));
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) pieces[id] = pieceBytes(id);
        Arrays.fill(charTokens, -1);
        for (int id = 0; id < vocab.size(); id++) {
            String text = vocab.text(id);
            if (text.length() == 1 && !Character.isSurrogate(text.charAt(0)) && vocab.id(text) == id) charTokens[text.charAt(0)] = id;
        }
    }

    private byte[] pieceBytes(int id) {
        String text = vocab.text(id);
        return switch (vocab.type(id)) {
            case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> ByteTokenSpelling.parse(text) >= 0
                    ? new byte[] {(byte) ByteTokenSpelling.parse(text)}
                    : text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> text.replace(options.spaceMarker(), " ").getBytes(StandardCharsets.UTF_8);
        };
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        IdBuffer out = new IdBuffer(text.length() + 2);
        if (addBos) {
            if (bosId < 0) throw new MissingBosException();
            out.add(bosId);
        }
        boolean afterSpecial = true; // the start of the text counts as following a special token
        boolean atStart = true;
        for (SpecialTokenMatcher.Segment segment : specials.split(text)) {
            if (segment.isToken()) {
                out.add(segment.id());
                afterSpecial = true;
                atStart = false;
                continue;
            }
            String s = prefixed(segment.text(), afterSpecial, atStart) ? " " + segment.text() : segment.text();
            atStart = false;
            s = s.replace(" ", options.spaceMarker());
            afterSpecial = false;
            if (options.splitAtSpaceMarker()) {
                int start = 0;
                for (int at = s.indexOf(options.spaceMarker(), 1); at > 0; at = s.indexOf(options.spaceMarker(), at + 1)) {
                    encodeWord(s.substring(start, at), out);
                    start = at;
                }
                encodeWord(s.substring(start), out);
            } else {
                encodeWord(s, out);
            }
        }
        return out.toArray();
    }

    private boolean prefixed(String run, boolean afterSpecial, boolean atStart) {
        if (!options.addSpacePrefix() || !afterSpecial) return false;
        boolean beginsWithSpace = run.startsWith(" ") || run.startsWith(options.spaceMarker());
        return switch (options.prefixRule()) {
            case EACH_RUN -> true;
            case EACH_RUN_UNLESS_SPACE -> !beginsWithSpace;
            case FIRST_RUN_UNLESS_SPACE -> atStart && !beginsWithSpace;
        };
    }

    private void encodeWord(String word, IdBuffer out) {
        if (word.isEmpty()) return;
        IdBuffer symbols = new IdBuffer(word.length());
        for (int i = 0; i < word.length(); ) {
            char c = word.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < word.length() && Character.isLowSurrogate(word.charAt(i + 1));
            int end = pair ? i + 2 : i + 1;
            int id = pair ? vocab.id(word.substring(i, end)) : charTokens[c];
            if (id >= 0) {
                symbols.add(id);
            } else {
                for (byte b : word.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    int byteId = byteTokens[b & 0xFF];
                    if (byteId >= 0) symbols.add(byteId);
                    else if (unkId >= 0) symbols.add(unkId);
                }
            }
            i = end;
        }
        for (int id : merger.merge(symbols.toArray())) out.add(id);
    }

    @Override
    public Decoder newDecoder() {
        return new Utf8StreamDecoder(id -> {
            vocab.checkId(id);
            return pieces[id];
        }, options.addSpacePrefix());
    }

    @Override public int bosId() { return bosId; }

    @Override public int eosId() { return eosId; }

    @Override public int vocabSize() { return vocab.size(); }

    @Override public String tokenText(int id) {
        vocab.checkId(id);
        return vocab.text(id);
    }

    public Vocabulary vocabulary() { return vocab; }

    public Options options() { return options; }

    /** Id of the unknown token, or -1. */
    public int unkId() { return unkId; }

    MergeTable mergeTable() { return merger.table(); }

    @Override public String toString() {
        return "SentencePieceBpe(" + vocab.size() + " tokens, bos " + bosId + ", eos " + eosId + ", " + options + ")";
    }
}
