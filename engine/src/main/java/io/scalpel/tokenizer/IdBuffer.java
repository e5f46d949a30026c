package io.scalpel.tokenizer;

import java.util.Arrays;

/** Growable list of token ids, so encoders do not box every id. */
final class IdBuffer {
    private int[] ids;
    private int size;

    IdBuffer(int capacity) { ids = new int[Math.max(4, capacity)]; }

    void add(int id) {
        if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
        ids[size++] = id;
    }

    void addAll(int[] more) {
        if (size + more.length > ids.length) ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + more.length));
        System.arraycopy(more, 0, ids, size, more.length);
        size += more.length;
    }

    int[] toArray() { return Arrays.copyOf(ids, size); }
}
