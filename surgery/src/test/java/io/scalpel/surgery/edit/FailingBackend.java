package io.scalpel.surgery.edit;

import io.scalpel.backend.Backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend that delegates to a real one but throws on the {@code failOn}-th call of one method (1-based). */
final class FailingBackend {
    private FailingBackend() {}

    static Backend failing(Backend real, String method, int failOn) {
        AtomicInteger calls = new AtomicInteger();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals(method) && calls.incrementAndGet() == failOn) {
                throw new IllegalStateException("injected failure in " + method);
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
