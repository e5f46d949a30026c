package io.scalpel.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Token texts by id, their types, and the reverse lookup. Immutable. */
public final class Vocabulary {
    private final String[] texts;
    private final TokenType[] types;
    private final Map<String, Integer> ids;

    /** {@code texts[i]} may be null for an id no file defines; it is then UNUSED with empty text. */
    public Vocabulary(String[] texts, TokenType[] types) {
        if (texts.length != types.length) {
            throw new IllegalArgumentException(texts.length + " token texts but " + types.length + " token types");
        }
        this.texts = texts.clone();
        this.types = types.clone();
        this.ids = HashMap.newHashMap(texts.length);
        for (int i = 0; i < texts.length; i++) {
            if (this.texts[i] == null) {
                this.texts[i] = "";
                this.types[i] = TokenType.UNUSED;
            } else {
                ids.putIfAbsent(this.texts[i], i);
            }
        }
    }

    /** Ids a file may leave undefined beyond its own token count before the table counts as corrupt. */
    static final int MAX_UNDEFINED_IDS = 1024;

    /**
     * Checks, before a table is sized by it, that the highest id a file names is plausible for the
     * number of tokens it defines: at most {@link #MAX_UNDEFINED_IDS} or as many ids as it defines may
     * be left undefined. An id of 2^31 − 1 in a 32,000-token file is corruption, and allocating for it
     * would exhaust memory.
     *
     * @param size    the highest id + 1, as a long so that id 2^31 − 1 cannot overflow
     * @param defined the number of entries the file lists
     */
    static int checkedSize(java.nio.file.Path file, long size, int defined) {
        if (size - defined > Math.max(MAX_UNDEFINED_IDS, defined)) {
            throw new TokenizerException(file, "token ids go up to " + (size - 1) + " but only " + defined
                    + " tokens are defined; a table that sparse is corrupt");
        }
        return (int) size;
    }

    /** All entries NORMAL except where {@code types} says otherwise. */
    public static Vocabulary of(List<String> texts, TokenType[] types) {
        return new Vocabulary(texts.toArray(String[]::new), types);
    }

    public int size() { return texts.length; }

    public String text(int id) { return texts[id]; }

    public TokenType type(int id) { return types[id]; }

    /** The id spelled {@code text}, or -1. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    /** Tokens the encoder matches whole in the input text (control, user-defined, unknown), with non-empty text. */
    public List<SpecialTokenMatcher.SpecialToken> tokensMatchedInText() {
        List<SpecialTokenMatcher.SpecialToken> out = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            if (types[i].matchedInText() && !texts[i].isEmpty()) {
                out.add(new SpecialTokenMatcher.SpecialToken(texts[i], i, false, false));
            }
        }
        return out;
    }

    /** Checks an id from outside (a caller's decode input) before it indexes the tables. */
    void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + texts.length + ")");
        }
    }

    @Override public String toString() {
        return "Vocabulary(" + texts.length + " tokens, first " + Arrays.toString(Arrays.copyOf(texts, Math.min(4, texts.length))) + ")";
    }
}
