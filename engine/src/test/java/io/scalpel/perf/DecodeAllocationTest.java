package io.scalpel.perf;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.synth.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A decode step, once compiled, allocates nothing on the calling thread beyond a few buffer views. */
class DecodeAllocationTest {
    @TempDir Path dir;

    @Test
    void decodeStepsAllocateNothingOnceWarm() throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse("dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=500,seq=512", "f32", "llama2c", 1);
        Path path = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(path);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(512)) {
            int[] token = {1};
            int steps = 200;
            // What may remain: the Buffer views (slices) Session takes per step, two per layer and two more.
            long allowed = 64L * (2 * ck.config().layers() + 2) * steps;
            long best = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 60_000_000_000L;
            // Warm-up passes until C2 has compiled and scalar-replaced the vector temporaries (slower on a busy machine).
            while (best > allowed && System.nanoTime() < deadline) {
                s.reset();
                s.forward(token, null);
                long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < steps; i++) {
                    s.forward(token, null);
                    token[0] = backend.argmax(s.logits(), 500);
                }
                best = Math.min(best, threads.getThreadAllocatedBytes(me) - before);
            }
            assertTrue(best <= allowed, steps + " decode steps allocated " + best + " bytes, more than buffer views (" + allowed + ")");
        }
    }
}
