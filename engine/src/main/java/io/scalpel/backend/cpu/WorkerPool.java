package io.scalpel.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that share out an index range in contiguous chunks, the caller
 * working too. A 110M decode step issues ~80 matrix-vector products, so a hand-off must cost well
 * under a microsecond: idle workers spin on a shared cursor for a while before parking, and nothing is
 * allocated per call.
 *
 * <p>Chunks are claimed, not assigned: each thread takes the next unclaimed chunk until none is left.
 * On a busy machine (the 2-core hosts here run other builds) a worker the OS has not scheduled simply
 * claims nothing, and the caller does the work instead of waiting a time slice for it. Which thread
 * computes a chunk never changes its result, so outputs are bit-identical whatever the scheduling.
 *
 * <p>The cursor packs (generation, chunk count, next chunk) into one long, so a single CAS both claims
 * a chunk and proves the job is still the current one; the job's fields, written before the cursor was
 * published, cannot change until every claimed chunk is finished.
 */
final class WorkerPool implements AutoCloseable {

    /** Work over {@code [from, to)} done by one thread; {@code worker} indexes per-thread scratch (0 = caller). */
    @FunctionalInterface
    interface RangeTask {
        void run(int from, int to, int worker);
    }

    /** Chunks per thread: enough to rebalance when one core is busy, few enough that claiming is free. */
    private static final int CHUNKS_PER_THREAD = 8;
    private static final int MAX_CHUNKS = 0xFFFF;
    /** How long an idle worker spins before parking: longer than the gap between two matmuls of a decode step. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final int parallelism;
    private final long inlineWork;
    /** generation (32 bits) | chunks (16 bits) | next chunk to claim (16 bits). */
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger sleepers = new AtomicInteger();
    private RangeTask task;
    private int total, chunkSize;
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int parallelism) {
        this(parallelism, INLINE_WORK);
    }

    /** @param inlineWork jobs below this many multiply-adds run on the caller (0: always split — tests use it to cover the split) */
    WorkerPool(int parallelism, long inlineWork) {
        this.inlineWork = inlineWork;
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

    /**
     * Below about this many multiply-adds a job runs on the caller alone: waking a worker costs
     * microseconds, more than a tiny model's whole matmul (stories260K prefilled 40× slower on two
     * threads than on one before this).
     */
    static final long INLINE_WORK = 1L << 18;

    /**
     * What one exp (softmax) counts for in a job's work, in the multiply-adds {@link #INLINE_WORK} is
     * measured in. Since the exps are {@link VectorExp}'s (~13 vector operations per vector of lanes, as
     * {@link Swiglu#ELEMENT_WORK} counts a SiLU element) one is worth about as much as a SwiGLU element;
     * it was 512 while each exp was a {@code StrictMath.exp} call of ~33 cycles. Only where a job is split
     * depends on it, never its bits.
     */
    static final long EXP_WORK = Swiglu.ELEMENT_WORK;

    /** Whether a job of {@code work} multiply-adds runs on the caller alone (below this pool's threshold). */
    boolean runsInline(long work) { return work < inlineWork; }

    /** As {@link #forRange(int, int, RangeTask)}, but inline when the whole job is smaller than {@link #inlineWork}. */
    void forRange(int n, int grain, long work, RangeTask t) {
        if (runsInline(work)) {
            if (n > 0) t.run(0, n, 0);
            return;
        }
        forRange(n, grain, t);
    }

    /** Runs {@code t} over {@code [0, n)} in chunks of at least one index; returns when all are done. */
    void forRange(int n, RangeTask t) {
        forRange(n, 1, t);
    }

    /**
     * Runs {@code t} over {@code [0, n)} in chunks whose sizes are multiples of {@code grain} (except
     * the last); returns when all are done. A grain keeps row blocks of a kernel whole.
     */
    void forRange(int n, int grain, RangeTask t) {
        if (n <= 0) return;
        int units = (n + grain - 1) / grain;
        if (parallelism == 1 || units == 1) {
            t.run(0, n, 0);
            return;
        }
        int chunks = Math.min(Math.min(units, parallelism * CHUNKS_PER_THREAD), MAX_CHUNKS);
        int size = (units + chunks - 1) / chunks * grain;
        chunks = (n + size - 1) / size;
        task = t;
        total = n;
        chunkSize = size;
        failure = null;
        finished.set(0);
        long generation = (cursor.get() >>> 32) + 1;
        cursor.set(generation << 32 | (long) chunks << 16); // publishes the fields above
        if (sleepers.get() > 0) for (Thread w : workers) LockSupport.unpark(w);
        try {
            work(0);
        } finally {
            for (int spins = 0; finished.get() < chunks; spins++) {
                if (spins < 1_000) Thread.onSpinWait();
                else Thread.yield(); // a worker mid-chunk may share our core
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

    /** Claims and runs chunks of the current job until none is left. */
    private void work(int worker) {
        while (true) {
            long c = cursor.get();
            int chunks = (int) (c >>> 16) & 0xFFFF, next = (int) c & 0xFFFF;
            if (next >= chunks) return;
            if (!cursor.compareAndSet(c, c + 1)) continue;
            // Claimed: the job cannot end (nor its fields change) before this chunk is counted finished.
            try {
                int from = next * chunkSize;
                task.run(from, Math.min(total, from + chunkSize), worker);
            } catch (Throwable e) {
                failure = e;
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            long start = System.nanoTime();
            int spins = 0;
            while ((cursor.get() >>> 32) == seen && !closed) {
                Thread.onSpinWait();
                if ((++spins & 255) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    sleepers.incrementAndGet();
                    // Re-check after announcing: the caller reads sleepers after publishing the cursor.
                    if ((cursor.get() >>> 32) == seen && !closed) LockSupport.park(this);
                    sleepers.decrementAndGet();
                    start = System.nanoTime();
                }
            }
            if (closed) return;
            seen = cursor.get() >>> 32;
            work(id);
        }
    }

    @Override public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
