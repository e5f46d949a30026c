package io.scalpel.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * BPE merges: for a pair of adjacent token ids, the id they merge into and the merge's rank (lower merges
 * first). An open-addressing hash table over primitive longs: Llama 3 has 280k merges, and boxed maps
 * would cost several times the memory and a pointer chase per lookup.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private long[] keys;   // left << 32 | right
    private long[] values; // rank << 32 | merged id
    private int mask;
    private int size;

    private MergeTable(int expected) {
        allocate(Integer.highestOneBit(Math.max(4, expected * 2 + 1) - 1) << 1);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
        size = 0;
    }

    /**
     * Merges listed in priority order (Hugging Face {@code merges}, GGUF {@code tokenizer.ggml.merges}):
     * the rank is the position in the list. Pairs whose parts or result are not in the vocabulary are
     * skipped; a pair listed twice keeps its first rank.
     */
    static MergeTable fromPairs(Vocabulary vocab, List<String[]> pairs) {
        MergeTable table = new MergeTable(pairs.size());
        for (int rank = 0; rank < pairs.size(); rank++) {
            String[] pair = pairs.get(rank);
            int left = vocab.id(pair[0]);
            int right = vocab.id(pair[1]);
            int merged = vocab.id(pair[0] + pair[1]);
            if (left >= 0 && right >= 0 && merged >= 0) table.putIfAbsent(left, right, rank, merged);
        }
        return table;
    }

    /**
     * SentencePiece-style merges implied by scores (llama.cpp's llm_tokenizer_spm, llama2.c's encode): any
     * two adjacent pieces whose concatenation is a normal or user-defined token may merge, highest score
     * first. Scores become dense ranks (equal scores share a rank, so ties fall to the leftmost pair, as
     * in both references).
     */
    static MergeTable fromScores(Vocabulary vocab, float[] rawScores) {
        // C compares floats with <, so -0.0 and 0.0 tie there (llama2.c's tok512.bin has both); make them tie here.
        float[] scores = new float[rawScores.length];
        for (int i = 0; i < scores.length; i++) scores[i] = rawScores[i] == 0f ? 0f : rawScores[i];
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        float[] descending = new float[sorted.length];
        int n = 0;
        for (int i = sorted.length - 1; i >= 0; i--) {
            if (n == 0 || Float.compare(sorted[i], descending[n - 1]) != 0) descending[n++] = sorted[i];
        }
        descending = Arrays.copyOf(descending, n);

        MergeTable table = new MergeTable(vocab.size() * 2);
        for (int merged = 0; merged < vocab.size(); merged++) {
            TokenType type = vocab.type(merged);
            if (type != TokenType.NORMAL && type != TokenType.USER_DEFINED) continue;
            String text = vocab.text(merged);
            int rank = rankOf(descending, scores[merged]);
            for (int cut = text.offsetByCodePoints(0, Math.min(1, text.length())); cut > 0 && cut < text.length();
                 cut = text.offsetByCodePoints(cut, 1)) {
                int left = vocab.id(text.substring(0, cut));
                int right = vocab.id(text.substring(cut));
                if (left >= 0 && right >= 0) table.putIfAbsent(left, right, rank, merged);
            }
        }
        return table;
    }

    private static int rankOf(float[] descending, float score) {
        int lo = 0, hi = descending.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Float.compare(descending[mid], score);
            if (c == 0) return mid;
            if (c > 0) lo = mid + 1; else hi = mid - 1;
        }
        throw new IllegalStateException("score " + score + " missing from its own list");
    }

    int size() { return size; }

    /** One merge: adjacent ids {@code left}, {@code right} become {@code merged}, lower ranks first. */
    record Merge(int left, int right, int rank, int merged) {}

    /** Every merge, by rank, then by merged id, then by the left part's id (a fixed order for ties). */
    List<Merge> merges() {
        List<Merge> out = new java.util.ArrayList<>(size);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) out.add(new Merge((int) (keys[i] >>> 32), (int) keys[i], (int) (values[i] >>> 32), (int) values[i]));
        }
        out.sort(java.util.Comparator.comparingInt(Merge::rank).thenComparingInt(Merge::merged).thenComparingInt(Merge::left));
        return out;
    }

    /** {@code rank << 32 | mergedId} for the pair, or -1 when the pair does not merge. */
    long find(int left, int right) {
        long key = (long) left << 32 | (right & 0xFFFFFFFFL);
        for (int slot = slot(key); ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) return values[slot];
            if (k == EMPTY) return -1;
        }
    }

    private void putIfAbsent(int left, int right, int rank, int merged) {
        if (size + 1 > keys.length / 2) grow();
        long key = (long) left << 32 | (right & 0xFFFFFFFFL);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) return;
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = (long) rank << 32 | merged;
        size++;
    }

    /** Tables are built once at load, so growth (only when a score-derived table outgrows its guess) is rare. */
    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        allocate(keys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                putIfAbsent((int) (oldKeys[i] >>> 32), (int) oldKeys[i], (int) (oldValues[i] >>> 32), (int) oldValues[i]);
            }
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
