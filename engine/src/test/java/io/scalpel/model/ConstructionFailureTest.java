package io.scalpel.model;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A Transformer or Session whose construction fails part way releases what it had already taken. */
class ConstructionFailureTest {

    /**
     * Delegates to {@code real}, but {@code method}'s results are wrapped to count their close() calls,
     * and its {@code failOn}-th call throws. The wrapped objects only serve the construction under test.
     */
    private static Backend failing(Backend real, String method, int failOn, Class<?> resultType, AtomicInteger closes) {
        AtomicInteger calls = new AtomicInteger();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            if (!m.getName().equals(method)) return invoke(real, m, args);
            if (calls.incrementAndGet() == failOn) throw new IllegalStateException("injected failure in " + method);
            Object result = invoke(real, m, args);
            return Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{resultType}, (p, rm, rargs) -> {
                if (rm.getName().equals("close")) closes.incrementAndGet();
                return invoke(result, rm, rargs);
            });
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void aFailedUploadClosesTheWeightsUploadedBeforeIt() {
        try (CpuBackend real = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(GoldenFixture.load("llama_tiny_f32").modelPath())) {
            AtomicInteger closes = new AtomicInteger();
            Backend backend = failing(real, "upload", 6, Weight.class, closes);
            assertThrows(IllegalStateException.class, () -> new Transformer(ck.config(), ck.weights(), backend));
            assertEquals(5, closes.get(), "weights uploaded before the failure were not all closed");
        }
    }

    @Test
    void aFailedAllocationClosesTheBuffersAllocatedBeforeIt() {
        try (CpuBackend real = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(GoldenFixture.load("llama_tiny_f32").modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), real)) {
            AtomicInteger closes = new AtomicInteger();
            Backend backend = failing(real, "allocate", 3, Buffer.class, closes);
            // Same weights, a backend whose third allocation (the second layer's K cache) fails.
            Transformer view = new Transformer(ck.config(), ck.weights(), backend);
            assertThrows(IllegalStateException.class, () -> view.newSession(8));
            assertEquals(2, closes.get(), "buffers allocated before the failure were not all closed");
        }
    }
}
