package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.DecodeGraphs;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaFailure;

/**
 * One session's decode step as a CUDA graph: captured once on the backend's stream, replayed per token with a
 * single {@code cuGraphLaunch}. The step's position is an int in device memory that the position-dependent
 * kernels read ({@code rope_rotate_half_at}, {@code kv_append}, {@code attention_decode_split_at}) and the
 * step's last kernel increments ({@code advance_position}); the host writes it only when the session's
 * position is not the one the device already holds. Attention is planned for the session's capacity (empty
 * splits cost a block each) and uses its own partials buffer, so no scratch regrowth can move it.
 */
final class CudaDecodeGraph implements DecodeGraphs.DecodeGraph {
    private final CudaBackend backend;
    private final CudaDriver driver;
    private final int capacity;
    private final LaunchShapes.DecodeAttention plan;
    private final DeviceMemory position;
    private final DeviceMemory partials;
    private final long partialOutputsFloats;
    private CudaDriver.Graph graph;
    private CudaDriver.GraphExec exec;
    /** The position the device holds (after the last replay), or -1 when unknown. */
    private int positionOnDevice = -1;
    private boolean closed;

    CudaDecodeGraph(CudaBackend backend, int capacity, int heads, int headDim) {
        this.backend = backend;
        this.driver = backend.context().driver();
        this.capacity = capacity;
        this.plan = LaunchShapes.decodeAttention(1, heads, capacity, backend.context().multiprocessors());
        this.partialOutputsFloats = plan.partialOutputs(1, heads, headDim);
        DeviceMemory pos = backend.allocations().allocate(Integer.BYTES, "decode graph position");
        try {
            this.partials = backend.allocations().allocate((partialOutputsFloats + plan.partialStats(1, heads)) * Float.BYTES,
                    "decode graph attention partials");
        } catch (RuntimeException e) {
            pos.close();
            throw e;
        }
        this.position = pos;
    }

    @Override public void embedChosen(Buffer out, Weight table) { backend.embedChosen(out, table); }

    @Override public void rope(Buffer x, int heads, int headDim, Buffer cos, Buffer sin) {
        CudaBuffer xi = CudaBuffer.of(x), c = CudaBuffer.of(cos), s = CudaBuffer.of(sin);
        int half = headDim / 2;
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope needs an even head dimension, got " + headDim);
        int maxPositions = Math.toIntExact(Math.min(c.length(), s.length()) / half);
        backend.launchKernel(LaunchShapes.elementwise((long) heads * half), backend.argsFor(CudaKernel.ROPE_ROTATE_HALF_AT)
                .pointer("x", xi.pointer()).pointer("cos", c.pointer()).pointer("sin", s.pointer())
                .int32("rows", 1).int32("heads", heads).int32("headDim", headDim).pointer("pos0", position.at(0)).int32("maxPositions", maxPositions));
    }

    @Override public void appendKv(Buffer kCache, Buffer vCache, Buffer k, Buffer v, int kvDim) {
        CudaBuffer kc = CudaBuffer.of(kCache), vc = CudaBuffer.of(vCache), kb = CudaBuffer.of(k), vb = CudaBuffer.of(v);
        if (kc.length() < (long) capacity * kvDim || vc.length() < (long) capacity * kvDim) {
            throw new IllegalArgumentException("KV caches of " + kc.length() + "/" + vc.length() + " floats for capacity " + capacity + " x " + kvDim);
        }
        backend.launchKernel(LaunchShapes.elementwise(kvDim), backend.argsFor(CudaKernel.KV_APPEND)
                .pointer("kCache", kc.pointer()).pointer("vCache", vc.pointer()).pointer("k", kb.pointer()).pointer("v", vb.pointer())
                .pointer("pos", position.at(0)).int32("kvDim", kvDim));
    }

    @Override public void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int heads, int kvHeads, int headDim) {
        CudaBuffer o = CudaBuffer.of(out), qi = CudaBuffer.of(q), k = CudaBuffer.of(kCache), v = CudaBuffer.of(vCache);
        long partialO = partials.at(0), partialMl = partials.at(partialOutputsFloats * Float.BYTES);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        backend.launchKernel(plan.split(), backend.argsFor(CudaKernel.ATTENTION_DECODE_SPLIT_AT)
                .pointer("partialO", partialO).pointer("partialMl", partialMl)
                .pointer("q", qi.pointer()).pointer("kCache", k.pointer()).pointer("vCache", v.pointer())
                .int32("rows", 1).pointer("pos0", position.at(0)).int32("heads", heads).int32("kvHeads", kvHeads).int32("headDim", headDim)
                .int32("splits", plan.splits()).int32("chunk", plan.chunk()).float32("scale", scale));
        backend.launchKernel(plan.combine(), backend.argsFor(CudaKernel.ATTENTION_DECODE_COMBINE).pointer("out", o.pointer())
                .pointer("partialO", partialO).pointer("partialMl", partialMl)
                .int32("rows", 1).int32("heads", heads).int32("headDim", headDim).int32("splits", plan.splits()));
    }

    @Override public boolean captured() { return exec != null; }

    /** Writes the device-held position (for kernel tests that run this object's operations outside a graph). */
    void setPosition(int at) {
        backend.context().bind();
        backend.writeInts(position.at(0), new int[] {at});
        positionOnDevice = at;
    }

    @Override public void captureAndRun(Runnable step, int at) {
        if (closed) throw new IllegalStateException("decode graph is closed");
        if (exec != null) throw new IllegalStateException("decode graph already captured");
        backend.context().bind();
        CudaDriver.Stream stream = backend.context().stream();
        driver.beginCapture(stream);
        backend.kernels().capturing(true);
        try {
            step.run();
            backend.launchKernel(LaunchShape.linear(1, 32), backend.argsFor(CudaKernel.ADVANCE_POSITION).pointer("pos", position.at(0)));
        } catch (RuntimeException e) {
            backend.kernels().capturing(false);
            try {
                driver.destroyGraph(driver.endCapture(stream));
            } catch (RuntimeException end) {
                e.addSuppressed(end);
            }
            throw e;
        }
        backend.kernels().capturing(false);
        try {
            graph = driver.endCapture(stream);
            exec = driver.instantiate(graph);
        } catch (CudaFailure e) {
            throw e.during("capturing the decode step as a graph");
        }
        replay(at);
    }

    @Override public void replay(int at) {
        if (exec == null) throw new IllegalStateException("decode graph not captured yet");
        if (at < 0 || at >= capacity) throw new IllegalArgumentException("decode position " + at + " outside the session's capacity " + capacity);
        backend.context().bind();
        if (positionOnDevice != at) backend.writeInts(position.at(0), new int[] {at});
        try {
            driver.launchGraph(exec, backend.context().stream());
        } catch (CudaFailure e) {
            throw e.during("replaying the decode step at position " + at);
        }
        positionOnDevice = at + 1;
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            if (exec != null) driver.destroyGraphExec(exec);
            if (graph != null) driver.destroyGraph(graph);
        } catch (RuntimeException e) {
            first = e;
        }
        for (DeviceMemory m : new DeviceMemory[] {partials, position}) {
            try {
                m.close();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
