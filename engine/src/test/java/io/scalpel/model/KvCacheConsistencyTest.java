package io.scalpel.model;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding token by token through the KV cache, and prefill in chunks, equal one full-sequence pass. */
class KvCacheConsistencyTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "llama_gqa", "qwen2_bias_tied", "llama3_rope_scaling"})
    void incrementalAndChunkedEqualFullPass(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        int[] ids = f.inputIds();
        try (CpuBackend backend = new CpuBackend(2, 0);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            int V = ck.config().vocabSize();
            float[] full;
            try (Session s = model.newSession(ids.length, ids.length)) {
                full = s.forwardAllLogits(ids, null);
            }
            float[] incremental = new float[ids.length * V];
            try (Session s = model.newSession(ids.length, 1)) {
                for (int t = 0; t < ids.length; t++) {
                    float[] l = s.forwardLastLogits(new int[]{ids[t]});
                    System.arraycopy(l, 0, incremental, t * V, V);
                }
            }
            float[] chunked = new float[ids.length * V];
            try (Session s = model.newSession(ids.length, 3)) {
                int at = 0;
                for (int n : new int[]{2, 1, ids.length - 3}) {
                    int[] part = java.util.Arrays.copyOfRange(ids, at, at + n);
                    System.arraycopy(s.forwardAllLogits(part, null), 0, chunked, at * V, n * V);
                    at += n;
                }
            }
            double inc = GoldenFixture.relativeL2(incremental, full), chk = GoldenFixture.relativeL2(chunked, full);
            assertTrue(inc < 1e-6, "incremental vs full rel L2 " + inc);
            assertTrue(chk < 1e-6, "chunked vs full rel L2 " + chk);
        }
    }
}
