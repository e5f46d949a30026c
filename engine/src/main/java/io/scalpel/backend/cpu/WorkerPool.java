package io.scalpel.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that split an index range into contiguous blocks, one block per
 * thread, the caller taking the first. Decode on a 110M model issues ~80 matrix-vector products per
 * token, so the hand-off must cost microseconds: workers spin briefly on a generation counter before
 * parking, and the caller spins before parking on the completion count.
 */
final class WorkerPool implements AutoCloseable {

    /** Work over {@code [from, to)} done by one thread; {@code worker} indexes per-thread scratch. */
    @FunctionalInterface
    interface RangeTask {
        void run(int from, int to, int worker);
    }

    private static final int SPIN_ITERATIONS = 20_000;

    private final Thread[] workers;
    private final int parallelism;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int total;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;

    WorkerPool(int parallelism) {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
        this.parallelism = parallelism;
        this.workers = new Thread[parallelism - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("scalpel-cpu-" + id).unstarted(() -> workerLoop(id));
            workers[i].start();
        }
    }

    int parallelism() { return parallelism; }

    /** Runs {@code task} over {@code [0, n)} split into one contiguous block per thread; returns when all are done. */
    void forRange(int n, RangeTask t) {
        if (n <= 0) return;
        if (parallelism == 1 || n == 1) {
            t.run(0, n, 0);
            return;
        }
        task = t;
        total = n;
        caller = Thread.currentThread();
        failure = null;
        pending.set(workers.length);
        generation.incrementAndGet();
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            runBlock(t, n, 0);
        } finally {
            for (int spins = 0; pending.get() > 0; spins++) {
                if (spins < SPIN_ITERATIONS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 50_000);
            }
            task = null;
        }
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            throw new IllegalStateException(f);
        }
    }

    private void runBlock(RangeTask t, int n, int worker) {
        int from = (int) ((long) n * worker / parallelism);
        int to = (int) ((long) n * (worker + 1) / parallelism);
        if (from < to) t.run(from, to, worker);
    }

    private void workerLoop(int id) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation.get() == seen && !closed) {
                if (spins++ < SPIN_ITERATIONS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation.get();
            try {
                runBlock(task, total, id);
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
