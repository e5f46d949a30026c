package io.scalpel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM): text is cut into pieces by a {@link PreTokenizer}, each
 * piece's UTF-8 bytes are spelled in the {@link ByteLevelAlphabet}, and adjacent symbols merge by rank.
 * Every byte is in the vocabulary, so nothing is unknown.
 *
 * <p>Real text repeats the same words, so each piece's ids are cached (bounded; the cache is the only
 * mutable state and is thread-safe).
 */
public final class ByteLevelBpe implements Tokenizer {
    private static final int CACHE_LIMIT = 100_000;

    private final Vocabulary vocab;
    private final BpeMerger merger;
    private final PreTokenizer preTokenizer;
    private final SpecialTokenMatcher specials;
    /** Use a piece's own id when it is in the vocabulary, without merging (Llama 3's {@code ignore_merges}). */
    private final boolean wholePieceFirst;
    /** Unicode normal form applied before pre-tokenizing, or null. */
    private final Normalizer.Form normalForm;
    /** Prepend a space to each text run that lacks one (Hugging Face ByteLevel add_prefix_space). */
    private final boolean prefixSpace;
    private final int bosId;
    private final int eosId;
    private final int[] byteIds = new int[256];
    private final byte[][] pieces;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    ByteLevelBpe(Vocabulary vocab, MergeTable merges, PreTokenizer preTokenizer, SpecialTokenMatcher specials,
                 boolean wholePieceFirst, Normalizer.Form normalForm, boolean prefixSpace, int bosId, int eosId) {
        this.vocab = vocab;
        this.merger = new BpeMerger(merges);
        this.preTokenizer = preTokenizer;
        this.specials = specials;
        this.wholePieceFirst = wholePieceFirst;
        this.normalForm = normalForm;
        this.prefixSpace = prefixSpace;
        this.bosId = bosId;
        this.eosId = eosId;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.id(String.valueOf(ByteLevelAlphabet.charOf(b)));
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) pieces[id] = pieceBytes(id);
    }

    private byte[] pieceBytes(int id) {
        String text = vocab.text(id);
        return switch (vocab.type(id)) {
            case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            // Added tokens are stored as written, not in the byte alphabet.
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case NORMAL, BYTE -> unspell(text);
        };
    }

    /** Alphabet characters back to their bytes; a character outside the alphabet is kept as its UTF-8. */
    private static byte[] unspell(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevelAlphabet.byteOf(cp);
            if (b >= 0) out.write(b);
            else out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        IdBuffer out = new IdBuffer(text.length() / 3 + 2);
        if (addBos) {
            if (bosId < 0) throw new MissingBosException();
            out.add(bosId);
        }
        for (SpecialTokenMatcher.Segment segment : specials.split(text)) {
            if (segment.isToken()) {
                out.add(segment.id());
                continue;
            }
            String s = normalForm == null ? segment.text() : Normalizer.normalize(segment.text(), normalForm);
            if (prefixSpace && !s.startsWith(" ")) s = " " + s;
            for (String piece : preTokenizer.split(s)) out.addAll(encodePiece(piece));
        }
        return out.toArray();
    }

    private int[] encodePiece(String piece) {
        int[] cached = cache.get(piece);
        if (cached != null) return cached;
        int[] ids = mergePiece(piece);
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(piece, ids);
        return ids;
    }

    private int[] mergePiece(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        if (wholePieceFirst) {
            int whole = vocab.id(ByteLevelAlphabet.encode(bytes));
            if (whole >= 0) return new int[] {whole};
        }
        IdBuffer symbols = new IdBuffer(bytes.length);
        for (byte b : bytes) {
            int id = byteIds[b & 0xFF];
            if (id >= 0) symbols.add(id); // a byte-level vocabulary lacking a byte is broken; drop it as HF does without unk
        }
        return merger.merge(symbols.toArray());
    }

    @Override
    public Decoder newDecoder() {
        return new Utf8StreamDecoder(id -> {
            vocab.checkId(id);
            return pieces[id];
        }, false);
    }

    @Override public int bosId() { return bosId; }

    @Override public int eosId() { return eosId; }

    @Override public int vocabSize() { return vocab.size(); }

    @Override public String tokenText(int id) {
        vocab.checkId(id);
        return vocab.text(id);
    }

    public Vocabulary vocabulary() { return vocab; }

    public PreTokenizer preTokenizer() { return preTokenizer; }

    /** Whether a piece that is itself a token is taken whole, before merging (Llama 3's ignore_merges). */
    public boolean wholePieceFirst() { return wholePieceFirst; }

    /** The Unicode normal form applied first, or null. */
    public Normalizer.Form normalForm() { return normalForm; }

    /** Whether a space is prepended to each text run that lacks one. */
    public boolean prefixSpace() { return prefixSpace; }

    MergeTable mergeTable() { return merger.table(); }

    @Override public String toString() {
        return "ByteLevelBpe(" + vocab.size() + " tokens, bos " + bosId + ", eos " + eosId + ", " + preTokenizer + ")";
    }
}
