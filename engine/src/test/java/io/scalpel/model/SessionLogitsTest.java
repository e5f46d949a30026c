package io.scalpel.model;

import io.scalpel.backend.Backend;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session holds one row of logits; the [chunk, vocab] buffer is made only when a caller asks for every
 * row's logits, and after such a call {@link Session#logits()} is still the last position's.
 */
class SessionLogitsTest {

    /** The real backend, with the length of every {@code allocate} call recorded. */
    private static Backend recordingAllocations(Backend real, List<Long> lengths) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("allocate")) lengths.add((Long) args[0]);
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void onlyAnAllLogitsCallAllocatesChunkTimesVocab() {
        try (CpuBackend real = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(GoldenFixture.load("llama_tiny_f32").modelPath())) {
            List<Long> lengths = new ArrayList<>();
            Backend backend = recordingAllocations(real, lengths);
            int vocab = ck.config().vocabSize(), chunk = 8;
            long chunkLogits = (long) chunk * vocab;
            try (Transformer m = new Transformer(ck.config(), ck.weights(), backend);
                 Session s = m.newSession(16, chunk)) {
                int[] prompt = {1, 5, 9, 2, 7, 3};
                s.forward(prompt, null);
                s.forward(new int[]{4}, null);
                s.reset();
                s.forwardPacked(new int[][]{{1, 5}, {9, 2, 7}}, null);
                assertFalse(lengths.contains(chunkLogits), "a chunk × vocab buffer was allocated before any caller asked for all logits: " + lengths);
                assertTrue(lengths.contains((long) vocab), "no one-row logits buffer: " + lengths);

                s.reset();
                float[] all = s.forwardAllLogits(prompt, null);
                assertEquals(1, lengths.stream().filter(n -> n == chunkLogits).count(), "all-logits buffer: " + lengths);
                float[] viaLogits = new float[vocab];
                backend.read(s.logits(), viaLogits);
                assertArrayEquals(Arrays.copyOfRange(all, (prompt.length - 1) * vocab, prompt.length * vocab), viaLogits,
                        "logits() after forwardAllLogits is not the last position's row");

                s.reset();
                // A one-row output matmul and a multi-row one may sum in different orders: equal to rounding.
                assertArrayEquals(viaLogits, s.forwardLastLogits(prompt), 1e-5f, "the one-row path disagrees with the all-rows path");
                s.reset();
                s.forwardAllLogits(prompt, null);
                assertEquals(1, lengths.stream().filter(n -> n == chunkLogits).count(), "the all-logits buffer is made once per session");
            }
        }
    }

    /** Hidden states only: the same states as a full forward, and logits() keeps what the last full forward left. */
    @Test
    void forwardHiddenStatesGivesTheSameStatesAndLeavesTheLogits() {
        try (CpuBackend backend = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(GoldenFixture.load("llama_tiny_f32").modelPath());
             Transformer m = new Transformer(ck.config(), ck.weights(), backend);
             Session s = m.newSession(16, 8)) {
            int vocab = ck.config().vocabSize(), last = ck.config().layers();
            int[] prompt = {1, 5, 9, 2, 7, 3, 8, 4, 6, 2, 1};  // two chunks of 8
            List<float[]> full = new ArrayList<>(), hiddenOnly = new ArrayList<>();
            s.forward(prompt, finalStates(last, full));
            float[] before = new float[vocab];
            backend.read(s.logits(), before);
            s.reset();
            s.forwardHiddenStates(new int[]{4, 4, 4}, null);
            s.reset();
            s.forwardHiddenStates(prompt, finalStates(last, hiddenOnly));
            assertEquals(full.size(), hiddenOnly.size());
            for (int i = 0; i < full.size(); i++) assertArrayEquals(full.get(i), hiddenOnly.get(i), "chunk " + i + " of the final hidden states");
            assertEquals(prompt.length, s.position());
            float[] after = new float[vocab];
            backend.read(s.logits(), after);
            assertArrayEquals(before, after, "forwardHiddenStates wrote logits");
        }
    }

    /** Collects the rows of hidden-state index {@code index}, one array per call. */
    private static HiddenStateListener finalStates(int index, List<float[]> into) {
        return new HiddenStateListener() {
            @Override public boolean wants(int i) { return i == index; }
            @Override public void accept(int i, int position, float[] rows, int rowCount, int dim) { into.add(rows.clone()); }
        };
    }
}
