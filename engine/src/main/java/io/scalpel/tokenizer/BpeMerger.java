package io.scalpel.tokenizer;

import java.util.Arrays;

/**
 * Applies a {@link MergeTable} to a sequence of symbols: repeatedly merges the adjacent pair with the
 * lowest rank, leftmost first on ties, until no pair merges. Symbols live in a linked list and candidate
 * pairs in a heap, so a long input costs O(n log n) rather than a rescan per merge. Stale heap entries
 * (a side already merged away) are detected when popped by looking the pair up again.
 */
final class BpeMerger {
    private final MergeTable merges;

    MergeTable table() { return merges; }

    BpeMerger(MergeTable merges) {
        this.merges = merges;
    }

    /** The merged ids; {@code symbols} is not modified. */
    int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) return symbols.clone();
        int[] ids = symbols.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) offer(heap, ids[i], ids[i + 1], i);

        int alive = n;
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int pos = (int) entry;
            long rank = entry >>> 32;
            if (gone[pos]) continue;
            int right = next[pos];
            if (right < 0) continue;
            long merge = merges.find(ids[pos], ids[right]);
            if (merge < 0 || merge >>> 32 != rank) continue;

            ids[pos] = (int) merge;
            gone[right] = true;
            alive--;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) offer(heap, ids[prev[pos]], ids[pos], prev[pos]);
            if (next[pos] >= 0) offer(heap, ids[pos], ids[next[pos]], pos);
        }

        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) out[k++] = ids[i];
        return out;
    }

    private void offer(LongHeap heap, int left, int right, int pos) {
        long merge = merges.find(left, right);
        if (merge >= 0) heap.add((merge >>> 32) << 32 | pos);
    }

    /** Binary min-heap of longs (rank in the high half, position in the low half: rank first, then leftmost). */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) { items = new long[Math.max(4, capacity)]; }

        boolean isEmpty() { return size == 0; }

        void add(long v) {
            if (size == items.length) items = Arrays.copyOf(items, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= v) break;
                items[i] = items[parent];
                i = parent;
            }
            items[i] = v;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && items[child + 1] < items[child]) child++;
                if (items[child] >= last) break;
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
