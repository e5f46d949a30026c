package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.DecodeGraphs;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.QuantRowUpdate;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.JcudaDriver;
import io.scalpel.backend.cuda.driver.KernelArgs;
import io.scalpel.backend.cuda.driver.MemoryInfo;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU backend: JCuda's driver API and the hand-written PTX of {@code kernels/}. Weights are uploaded
 * once in their stored dtype (or cast from F32 by option); activations are fp32 device buffers; every
 * operation is queued on one stream, so only {@link #read}, {@link #argmax}, {@link #sample} and
 * {@link #readRows} wait for the device. Host↔device copies go through one pinned staging buffer.
 *
 * <p>Not thread-safe (like the CPU backend): one caller at a time, though any thread may be that caller.
 */
public final class CudaBackend implements Backend, DecodeGraphs {
    /** 8 MiB: large enough that per-chunk synchronisation is noise next to the copy itself. */
    private static final long STAGING_BYTES = 8L << 20;

    private final CudaOptions options;
    private final CudaAvailability availability;
    private final CudaDriver driver;
    private final CudaContext context;
    private final DeviceAllocations allocations;
    private final KernelLibrary kernels;
    private final PinnedStaging staging;
    private final DeviceScratch rowIds;
    private final DeviceScratch attentionPartials;
    private final DeviceScratch reduction;
    private final DeviceScratch packedRows;
    private final CublasGemm cublas;
    /** One reusable argument list per kernel (by ordinal): a launch fills it in place and allocates nothing. */
    private final KernelArgs[] argumentLists;
    private final List<String> notes = new ArrayList<>();
    /**
     * The last token id {@link #argmax} or {@link #sample} chose stays in device memory here, and its value
     * in {@link #chosenToken}: an {@link #embed} of exactly that one id reads it in place, so a decode step
     * uploads nothing and its only host wait is the read of the chosen id.
     */
    private DeviceMemory chosenTokenSlot;
    private int chosenToken = -1;
    private boolean closed;

    private CudaBackend(CudaOptions options, CudaAvailability availability, CudaContext context, DeviceAllocations allocations,
                        KernelLibrary kernels, PinnedStaging staging, CublasGemm cublas, List<String> notes) {
        this.options = options;
        this.availability = availability;
        this.driver = context.driver();
        this.context = context;
        this.allocations = allocations;
        this.kernels = kernels;
        this.staging = staging;
        this.rowIds = new DeviceScratch(allocations, "row ids / token ids");
        this.attentionPartials = new DeviceScratch(allocations, "attention split partials");
        this.reduction = new DeviceScratch(allocations, "argmax partials and result");
        this.packedRows = new DeviceScratch(allocations, "packed rows for readRows/writeRows");
        this.cublas = cublas;
        this.notes.addAll(notes);
        CudaKernel[] all = CudaKernel.values();
        this.argumentLists = new KernelArgs[all.length];
        for (CudaKernel k : all) argumentLists[k.ordinal()] = KernelArgs.of(k.signature());
    }

    /**
     * Opens device {@code options.device()} through the real driver (JCuda). Fails with the probe's one-line
     * reason where CUDA is not usable; callers that want a fallback use {@link io.scalpel.backend.BackendChoice}.
     */
    public static CudaBackend open(CudaOptions options) { return open(new JcudaDriver(), options); }

    /**
     * Opens device {@code options.device()} of {@code driver} (the real one, or the PTX interpreter's). The
     * requested device's compute capability is the one checked. Whatever was set up before a failure
     * (context, stream, modules, pinned memory) is released before the failure is thrown.
     */
    public static CudaBackend open(CudaDriver driver, CudaOptions options) {
        CudaAvailability availability = CudaAvailability.probe(driver, options.device());
        if (!availability.usable()) throw new IllegalStateException(availability.reason());
        CudaContext context = CudaContext.open(driver, options.device());
        DeviceAllocations allocations = null;
        KernelLibrary kernels = null;
        PinnedStaging staging = null;
        try {
            allocations = new DeviceAllocations(context);
            kernels = KernelLibrary.load(context, availability.driverVersion(), options.checkEachLaunch());
            staging = PinnedStaging.allocate(driver, STAGING_BYTES);
            List<String> notes = new ArrayList<>();
            CublasGemm gemm = null;
            if (options.prefillMatmul() == MatmulVariant.CUBLAS) {
                gemm = driver instanceof JcudaDriver ? CublasGemm.open(JcudaDriver.nativeStream(context.stream())) : null;
                if (gemm == null) {
                    String reason = driver instanceof JcudaDriver ? CublasGemm.library().reason() : "cuBLAS needs the real CUDA driver";
                    String note = reason + ": matrix products use the hand-written kernels";
                    notes.add(note);
                    System.err.println("scalpel: " + note);
                }
            }
            return new CudaBackend(options, availability, context, allocations, kernels, staging, gemm, notes);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable held : new AutoCloseable[] {staging, kernels, allocations, context}) {
                if (held == null) continue;
                try {
                    held.close();
                } catch (Exception cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    @Override public String name() { return "cuda:" + context.deviceName(); }

    public CudaOptions options() { return options; }

    public CudaAvailability availability() { return availability; }

    /** Whether JCublas and libcublas.so.12 load in this JVM (tried once), for the {@link MatmulVariant#CUBLAS} path. */
    public static boolean cublasLoads() { return CublasGemm.library().loaded(); }

    /** One line: "cuBLAS loaded", or why not ("cuBLAS unavailable (libcublas.so.12 not found)"). */
    public static String cublasStatus() { return CublasGemm.library().reason(); }

    /** Things the user should know once (cuBLAS missing, say). */
    public List<String> notes() { return List.copyOf(notes); }

    /** Waits for every queued operation. */
    public void synchronize() {
        context.bind();
        context.synchronize(kernels.lastLaunchDescription());
    }

    /** Whether {@code neededBytes} fit in the device's free memory, as a one-line message. */
    public MemoryFit memoryFit(long neededBytes) {
        context.bind();
        MemoryInfo info = context.memoryInfo();
        return new MemoryFit(neededBytes, info.free(), info.total(), MemoryFit.DEFAULT_HEADROOM, context.deviceName());
    }

    /** Device memory this backend has allocated and not yet freed (weights, buffers, scratch). */
    public long allocatedBytes() { return allocations.liveBytes(); }

    // ---- memory ----------------------------------------------------------------------------------

    @Override public Weight upload(Tensor tensor) {
        if (!tensor.dtype().isFloat()) throw new IllegalArgumentException("cannot upload non-float tensor " + tensor);
        context.bind();
        DType resident = options.castF32().residentType(tensor.dtype());
        int rows = tensor.rank() == 1 ? 1 : tensor.rows();
        int cols = tensor.rank() == 1 ? Math.toIntExact(tensor.size()) : tensor.cols();
        long bytes = resident.byteSize(tensor.size()); // quantized types stay as stored: their blocks are copied as they are
        DeviceMemory memory = allocations.allocate(bytes, "weight " + tensor.name());
        try {
            if (resident == tensor.dtype()) {
                toDevice(memory.at(0), tensor.data(), bytes);
            } else {
                toDeviceNarrowed(memory.at(0), tensor, resident);
            }
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
        return new CudaWeight(tensor, resident, rows, cols, memory);
    }

    @Override public Buffer allocate(long length) {
        if (length < 0) throw new IllegalArgumentException("negative buffer length " + length);
        context.bind();
        DeviceMemory memory = allocations.allocate(length * Float.BYTES, "buffer of " + length + " floats");
        try {
            driver.memsetD32(memory.at(0), 0, Math.max(length, 1), context.stream());
        } catch (CudaFailure e) {
            memory.close();
            throw e.during("zeroing a new buffer of " + length + " floats");
        }
        return CudaBuffer.owning(memory, length);
    }

    @Override public void write(Buffer dst, float[] src) {
        CudaBuffer d = CudaBuffer.of(dst);
        need(d, src.length, "write");
        context.bind();
        toDevice(d.pointer(), MemorySegment.ofArray(src), (long) src.length * Float.BYTES);
    }

    @Override public void read(Buffer src, float[] dst) {
        CudaBuffer s = CudaBuffer.of(src);
        need(s, dst.length, "read");
        context.bind();
        toHost(MemorySegment.ofArray(dst), s.pointer(), (long) dst.length * Float.BYTES);
    }

    @Override public void copy(Buffer dst, Buffer src, long n) {
        CudaBuffer d = CudaBuffer.of(dst), s = CudaBuffer.of(src);
        need(d, n, "copy destination");
        need(s, n, "copy source");
        if (n == 0) return;
        context.bind();
        try {
            driver.copyDeviceToDevice(d.pointer(), s.pointer(), n * Float.BYTES, context.stream());
        } catch (CudaFailure e) {
            throw e.during("device-to-device copy of " + n + " floats");
        }
    }

    // ---- forward pass ----------------------------------------------------------------------------

    @Override public void embed(Buffer out, Weight table, int[] tokens) {
        CudaBuffer o = CudaBuffer.of(out);
        CudaWeight t = CudaWeight.of(table);
        for (int id : tokens) {
            if (id < 0 || id >= t.rows()) throw new IllegalArgumentException("token id " + id + " out of range [0, " + t.rows() + ")");
        }
        need(o, (long) tokens.length * t.cols(), "embed output");
        if (tokens.length == 0) return;
        context.bind();
        long ids = tokens.length == 1 && tokens[0] == chosenToken && chosenTokenSlot != null ? chosenTokenSlot.at(0) : uploadInts(tokens);
        launch(LaunchShapes.rowsByColumns(tokens.length, t.cols()),
                args(embedKernel(t.dtype()))
                        .pointer("out", o.pointer()).pointer("table", t.pointer()).pointer("tokens", ids)
                        .int32("count", tokens.length).int32("vocab", t.rows()).int32("dim", t.cols()));
    }

    /** The gather for a table of {@code dtype}: quantized tables are decoded row by row on the device (embedding.cu). */
    private static CudaKernel embedKernel(DType dtype) {
        return CudaKernel.byAnyDType(dtype, CudaKernel.EMBED_F32, CudaKernel.EMBED_F16, CudaKernel.EMBED_BF16,
                CudaKernel.EMBED_Q8_0, CudaKernel.EMBED_Q4_0, CudaKernel.EMBED_Q4_K, CudaKernel.EMBED_Q6_K);
    }

    /** Norm gains and biases are vectors: GGUF files store them F32 (llama.cpp quantizes matrices only); a quantized one is refused. */
    private static void refuseQuantizedVector(CudaWeight w, String op) {
        if (w.dtype().isQuantized()) {
            throw new UnsupportedOperationException(op + ": " + w.name() + " is stored as " + w.dtype()
                    + "; the CUDA backend takes F32, F16 or BF16 " + op + " weights (GGUF files store them as F32)");
        }
    }

    @Override public void rmsNorm(Buffer out, Buffer x, Weight gamma, int rows, int dim, float eps) {
        CudaBuffer o = CudaBuffer.of(out), xi = CudaBuffer.of(x);
        CudaWeight g = CudaWeight.of(gamma);
        refuseQuantizedVector(g, "rmsNorm");
        if (g.rows() * (long) g.cols() != dim) throw new IllegalArgumentException("rmsNorm: gamma " + g + " for dim " + dim);
        need(o, (long) rows * dim, "rmsNorm output");
        need(xi, (long) rows * dim, "rmsNorm input");
        if (rows == 0 || dim == 0) return;
        context.bind();
        launch(LaunchShapes.rowPerBlock(rows),
                args(CudaKernel.byDType(g.dtype(), CudaKernel.RMSNORM_F32, CudaKernel.RMSNORM_F16, CudaKernel.RMSNORM_BF16))
                        .pointer("out", o.pointer()).pointer("x", xi.pointer()).pointer("gamma", g.pointer())
                        .int32("rows", rows).int32("dim", dim).float32("eps", eps));
    }

    @Override public void matmul(Buffer out, Buffer x, Weight w, int rows) {
        CudaBuffer o = CudaBuffer.of(out), xi = CudaBuffer.of(x);
        CudaWeight cw = CudaWeight.of(w);
        int n = cw.rows(), k = cw.cols();
        need(o, (long) rows * n, "matmul output");
        need(xi, (long) rows * k, "matmul input");
        if (rows == 0 || n == 0) return;
        context.bind();
        if (cw.dtype().isQuantized()) {
            quantizedMatmul(o, xi, cw, rows);
            return;
        }
        if (rows == 1) {
            launch(LaunchShapes.warpPerRow(n, 1), matmulArgs(CudaKernel.byDType(cw.dtype(), CudaKernel.MATVEC_F32, CudaKernel.MATVEC_F16,
                    CudaKernel.MATVEC_BF16), o, xi, cw, rows));
            return;
        }
        matmulWith(options.prefillMatmul(), o, xi, cw, rows);
    }

    /** One row: a single {@code matvec3} launch for both (same dtype and width); otherwise two products. */
    @Override public void matmulPair(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb) {
        if (!fusedMatvec(x, rows, outA, wa, outB, wb, null, null)) Backend.super.matmulPair(x, rows, outA, wa, outB, wb);
    }

    /** One row: a single {@code matvec3} launch for all three (same dtype and width); otherwise three products. */
    @Override public void matmulTriple(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb, Buffer outC, Weight wc) {
        if (!fusedMatvec(x, rows, outA, wa, outB, wb, outC, wc)) Backend.super.matmulTriple(x, rows, outA, wa, outB, wb, outC, wc);
    }

    /** Launches {@code matvec3} for two or three products of one x row; false (nothing done) where it does not apply. */
    private boolean fusedMatvec(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb, Buffer outC, Weight wc) {
        if (rows != 1) return false;
        CudaWeight a = CudaWeight.of(wa), b = CudaWeight.of(wb), c = wc == null ? b : CudaWeight.of(wc);
        if (a.dtype() != b.dtype() || a.dtype() != c.dtype() || a.cols() != b.cols() || a.cols() != c.cols()) return false;
        if (a.rows() == 0 || b.rows() == 0 || c.rows() == 0) return false;
        if (a.dtype().isQuantized()) return false; // matvec3 is F32/F16/BF16; quantized weights take quant_matvec per product
        CudaBuffer xi = CudaBuffer.of(x), oa = CudaBuffer.of(outA), ob = CudaBuffer.of(outB), oc = outC == null ? ob : CudaBuffer.of(outC);
        need(xi, a.cols(), "matmul input");
        need(oa, a.rows(), "matmul output A");
        need(ob, b.rows(), "matmul output B");
        need(oc, c.rows(), "matmul output C");
        int products = wc == null ? 2 : 3;
        int widest = Math.max(a.rows(), Math.max(b.rows(), c.rows()));
        context.bind();
        LaunchShape base = LaunchShapes.warpPerRow(widest, 1);
        launch(new LaunchShape(base.gridX(), 1, products, base.blockX(), 1, 1, 0),
                args(CudaKernel.byDType(a.dtype(), CudaKernel.MATVEC3_F32, CudaKernel.MATVEC3_F16, CudaKernel.MATVEC3_BF16))
                        .pointer("out0", oa.pointer()).pointer("w0", a.pointer()).int32("n0", a.rows())
                        .pointer("out1", ob.pointer()).pointer("w1", b.pointer()).int32("n1", b.rows())
                        .pointer("out2", oc.pointer()).pointer("w2", c.pointer()).int32("n2", wc == null ? 0 : c.rows())
                        .pointer("x", xi.pointer()).int32("rows", 1).int32("k", a.cols()));
        return true;
    }

    /**
     * A product with a weight kept in GGUF blocks. Decode: one warp per output feature (quant_matvec.cu), the
     * blocks read once. Prefill: the fp32 tiled GEMM with W decoded as each tile is staged (matmul.cu), so
     * each weight block is read once per 64 x rows instead of once per row.
     */
    private void quantizedMatmul(CudaBuffer o, CudaBuffer xi, CudaWeight cw, int rows) {
        if (rows == 1) {
            launch(LaunchShapes.warpPerRow(cw.rows(), 1), matmulArgs(CudaKernel.quantMatvec(cw.dtype()), o, xi, cw, 1));
        } else {
            launch(LaunchShapes.matmulTiled(rows, cw.rows()), matmulArgs(CudaKernel.byQuantType(cw.dtype(),
                    CudaKernel.MATMUL_TILED_Q8_0, CudaKernel.MATMUL_TILED_Q4_0, CudaKernel.MATMUL_TILED_Q4_K, CudaKernel.MATMUL_TILED_Q6_K), o, xi, cw, rows));
        }
    }

    /**
     * A matrix-matrix product with an explicit variant (benchmarks and tests compare them side by side). A
     * quantized weight has one prefill kernel, whatever the variant asked.
     */
    public void matmul(Buffer out, Buffer x, Weight w, int rows, MatmulVariant variant) {
        CudaBuffer o = CudaBuffer.of(out), xi = CudaBuffer.of(x);
        CudaWeight cw = CudaWeight.of(w);
        need(o, (long) rows * cw.rows(), "matmul output");
        need(xi, (long) rows * cw.cols(), "matmul input");
        if (rows == 0 || cw.rows() == 0) return;
        context.bind();
        if (cw.dtype().isQuantized()) quantizedMatmul(o, xi, cw, rows);
        else matmulWith(variant, o, xi, cw, rows);
    }

    /**
     * Which variant actually runs for a weight of {@code dtype}: F32 has no tensor-core path, cuBLAS takes F32 only,
     * and a quantized weight always runs the tiled kernel that decodes its blocks ({@code matmul_tiled_q*}).
     */
    public MatmulVariant effectiveVariant(MatmulVariant requested, DType dtype) {
        if (dtype.isQuantized()) return MatmulVariant.TILED;
        return switch (requested) {
            case NAIVE, TILED -> requested;
            case TENSOR_CORE -> dtype == DType.F32 ? MatmulVariant.TILED : MatmulVariant.TENSOR_CORE;
            case CUBLAS -> dtype == DType.F32 ? (cublas != null ? MatmulVariant.CUBLAS : MatmulVariant.TILED) : MatmulVariant.TENSOR_CORE;
        };
    }

    private void matmulWith(MatmulVariant requested, CudaBuffer o, CudaBuffer xi, CudaWeight cw, int rows) {
        int n = cw.rows(), k = cw.cols();
        DType dt = cw.dtype();
        switch (effectiveVariant(requested, dt)) {
            case NAIVE -> launch(LaunchShapes.matmulNaive(rows, n),
                    matmulArgs(CudaKernel.byDType(dt, CudaKernel.MATMUL_NAIVE_F32, CudaKernel.MATMUL_NAIVE_F16, CudaKernel.MATMUL_NAIVE_BF16), o, xi, cw, rows));
            case TILED -> launch(LaunchShapes.matmulTiled(rows, n),
                    matmulArgs(CudaKernel.byDType(dt, CudaKernel.MATMUL_TILED_F32, CudaKernel.MATMUL_TILED_F16, CudaKernel.MATMUL_TILED_BF16), o, xi, cw, rows));
            case TENSOR_CORE -> launch(LaunchShapes.matmulWmma(rows, n),
                    matmulArgs(dt == DType.F16 ? CudaKernel.MATMUL_WMMA_F16 : CudaKernel.MATMUL_WMMA_BF16, o, xi, cw, rows));
            case CUBLAS -> cublas.sgemm(o.pointer(), xi.pointer(), cw.pointer(), rows, n, k);
        }
    }

    private KernelArgs matmulArgs(CudaKernel kernel, CudaBuffer o, CudaBuffer xi, CudaWeight w, int rows) {
        return args(kernel).pointer("out", o.pointer()).pointer("x", xi.pointer()).pointer("w", w.pointer())
                .int32("rows", rows).int32("n", w.rows()).int32("k", w.cols());
    }

    @Override public void addBias(Buffer x, Weight bias, int rows) {
        CudaBuffer xi = CudaBuffer.of(x);
        CudaWeight b = CudaWeight.of(bias);
        refuseQuantizedVector(b, "addBias");
        int cols = Math.toIntExact((long) b.rows() * b.cols());
        need(xi, (long) rows * cols, "addBias");
        if (rows == 0 || cols == 0) return;
        context.bind();
        launch(LaunchShapes.elementwise((long) rows * cols),
                args(CudaKernel.byDType(b.dtype(), CudaKernel.ADD_BIAS_F32, CudaKernel.ADD_BIAS_F16, CudaKernel.ADD_BIAS_BF16))
                        .pointer("x", xi.pointer()).pointer("bias", b.pointer()).int32("rows", rows).int32("cols", cols));
    }

    @Override public void rope(Buffer x, int rows, int heads, int headDim, int pos0, Buffer cos, Buffer sin) {
        CudaBuffer xi = CudaBuffer.of(x), c = CudaBuffer.of(cos), s = CudaBuffer.of(sin);
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope needs an even head dimension, got " + headDim);
        need(xi, (long) rows * heads * headDim, "rope input");
        int half = headDim / 2;
        need(c, (long) (pos0 + rows) * half, "rope cos table");
        need(s, (long) (pos0 + rows) * half, "rope sin table");
        if (rows == 0 || heads == 0 || half == 0) return;
        int maxPositions = Math.toIntExact(Math.min(c.length(), s.length()) / half);
        context.bind();
        launch(LaunchShapes.elementwise((long) rows * heads * half),
                args(CudaKernel.ROPE_ROTATE_HALF).pointer("x", xi.pointer()).pointer("cos", c.pointer()).pointer("sin", s.pointer())
                        .int32("rows", rows).int32("heads", heads).int32("headDim", headDim).int32("pos0", pos0).int32("maxPositions", maxPositions));
    }

    @Override public void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int rows, int pos0,
                                    int heads, int kvHeads, int headDim) {
        CudaBuffer o = CudaBuffer.of(out), qi = CudaBuffer.of(q), k = CudaBuffer.of(kCache), v = CudaBuffer.of(vCache);
        if (kvHeads <= 0 || heads % kvHeads != 0) throw new IllegalArgumentException("attention: " + heads + " query heads over " + kvHeads + " kv heads");
        if (headDim > LaunchShapes.ATTENTION_MAX_HEAD_DIM) {
            throw new UnsupportedOperationException("attention kernels handle head dimensions up to " + LaunchShapes.ATTENTION_MAX_HEAD_DIM + ", got " + headDim);
        }
        need(o, (long) rows * heads * headDim, "attention output");
        need(qi, (long) rows * heads * headDim, "attention queries");
        need(k, (long) (pos0 + rows) * kvHeads * headDim, "key cache");
        need(v, (long) (pos0 + rows) * kvHeads * headDim, "value cache");
        if (rows == 0 || heads == 0 || headDim == 0) return;
        context.bind();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        if (rows < LaunchShapes.PREFILL_MIN_ROWS) {
            LaunchShapes.DecodeAttention plan = LaunchShapes.decodeAttention(rows, heads, pos0 + rows, context.multiprocessors());
            long outputs = plan.partialOutputs(rows, heads, headDim), stats = plan.partialStats(rows, heads);
            long partialO = attentionPartials.atLeast((outputs + stats) * Float.BYTES);
            long partialMl = partialO + (outputs * Float.BYTES);
            launch(plan.split(), args(CudaKernel.ATTENTION_DECODE_SPLIT).pointer("partialO", partialO).pointer("partialMl", partialMl)
                    .pointer("q", qi.pointer()).pointer("kCache", k.pointer()).pointer("vCache", v.pointer())
                    .int32("rows", rows).int32("pos0", pos0).int32("heads", heads).int32("kvHeads", kvHeads).int32("headDim", headDim)
                    .int32("splits", plan.splits()).int32("chunk", plan.chunk()).float32("scale", scale));
            launch(plan.combine(), args(CudaKernel.ATTENTION_DECODE_COMBINE).pointer("out", o.pointer())
                    .pointer("partialO", partialO).pointer("partialMl", partialMl)
                    .int32("rows", rows).int32("heads", heads).int32("headDim", headDim).int32("splits", plan.splits()));
        } else {
            launch(LaunchShapes.prefillAttention(rows, heads, headDim), args(CudaKernel.ATTENTION_PREFILL_FLASH)
                    .pointer("out", o.pointer()).pointer("q", qi.pointer()).pointer("kCache", k.pointer()).pointer("vCache", v.pointer())
                    .int32("rows", rows).int32("pos0", pos0).int32("heads", heads).int32("kvHeads", kvHeads).int32("headDim", headDim)
                    .float32("scale", scale));
        }
    }

    @Override public void swiglu(Buffer gate, Buffer up, long n) {
        CudaBuffer g = CudaBuffer.of(gate), u = CudaBuffer.of(up);
        need(g, n, "swiglu gate");
        need(u, n, "swiglu up");
        if (n == 0) return;
        context.bind();
        launch(LaunchShapes.elementwise(n), args(CudaKernel.SWIGLU).pointer("gate", g.pointer()).pointer("up", u.pointer()).int64("n", n));
    }

    @Override public void add(Buffer x, Buffer y, long n) {
        CudaBuffer a = CudaBuffer.of(x), b = CudaBuffer.of(y);
        need(a, n, "add destination");
        need(b, n, "add source");
        if (n == 0) return;
        context.bind();
        launch(LaunchShapes.elementwise(n), args(CudaKernel.ADD).pointer("x", a.pointer()).pointer("y", b.pointer()).int64("n", n));
    }

    @Override public int argmax(Buffer x, int n) {
        CudaBuffer b = CudaBuffer.of(x);
        need(b, n, "argmax");
        if (n <= 0) throw new IllegalArgumentException("argmax of " + n + " elements");
        context.bind();
        int partials = LaunchShapes.argmaxPartials(n);
        // The result goes to the chosen-token slot; scratch layout: [16 bytes unused][partial values: partials floats][partial indices: partials ints]
        long base = chosenTokenSlot();
        long partialsBase = reduction.atLeast(16 + 8L * partials);
        long values = partialsBase + 16, indices = partialsBase + 16 + 4L * partials;
        launch(LaunchShapes.argmaxPartial(n), args(CudaKernel.ARGMAX_PARTIAL)
                .pointer("partialValues", values).pointer("partialIndices", indices).pointer("x", b.pointer()).int32("n", n));
        launch(LaunchShapes.argmaxFinal(), args(CudaKernel.ARGMAX_FINAL)
                .pointer("result", base).pointer("partialValues", values).pointer("partialIndices", indices).int32("partials", partials));
        return chosen(base);
    }

    @Override public int sample(Buffer logits, int n, float temperature, int topK, float topP, double uniform) {
        CudaBuffer b = CudaBuffer.of(logits);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 to sample, got " + temperature);
        need(b, n, "sample");
        if (n <= 0) throw new IllegalArgumentException("sampling from " + n + " logits");
        context.bind();
        long result = chosenTokenSlot();
        launch(LaunchShapes.sample(), args(CudaKernel.SAMPLE_TOP_K_TOP_P).pointer("result", result).pointer("logits", b.pointer())
                .int32("n", n).float32("temperature", temperature).int32("topK", topK).float32("topP", topP).float64("uniform", uniform));
        return chosen(result);
    }

    // ---- surgery ---------------------------------------------------------------------------------

    @Override public void rowCosines(Buffer out, Weight w, Buffer v) {
        CudaWeight cw = CudaWeight.of(w);
        CudaBuffer o = CudaBuffer.of(out), vb = CudaBuffer.of(v);
        need(o, cw.rows(), "rowCosines output");
        need(vb, cw.cols(), "rowCosines vector");
        if (cw.rows() == 0) return;
        context.bind();
        launch(LaunchShapes.warpPerRow(cw.rows(), 1),
                args(CudaKernel.byAnyDType(cw.dtype(), CudaKernel.ROW_COSINES_F32, CudaKernel.ROW_COSINES_F16, CudaKernel.ROW_COSINES_BF16,
                        CudaKernel.ROW_COSINES_Q8_0, CudaKernel.ROW_COSINES_Q4_0, CudaKernel.ROW_COSINES_Q4_K, CudaKernel.ROW_COSINES_Q6_K))
                        .pointer("out", o.pointer()).pointer("w", cw.pointer()).pointer("v", vb.pointer())
                        .int32("rows", cw.rows()).int32("cols", cw.cols()));
    }

    @Override public void addToRows(Weight w, int[] rows, Buffer v, float alpha) {
        CudaWeight cw = CudaWeight.of(w);
        CudaBuffer vb = CudaBuffer.of(v);
        need(vb, cw.cols(), "addToRows vector");
        for (int r : rows) checkRow(cw, r);
        if (rows.length == 0 || cw.cols() == 0) return;
        context.bind();
        if (cw.dtype().isQuantized()) {
            addToQuantizedRows(cw, rows, vb, alpha);
            return;
        }
        CudaKernel kernel = CudaKernel.byDType(cw.dtype(), CudaKernel.ADD_TO_ROWS_F32, CudaKernel.ADD_TO_ROWS_F16, CudaKernel.ADD_TO_ROWS_BF16);
        // A row listed k times is edited k times, in order, as on the CPU: one launch per round of distinct rows.
        for (int[] round : distinctRounds(rows)) {
            long ids = uploadInts(round);
            launch(LaunchShapes.rowsByColumns(round.length, cw.cols()), args(kernel)
                    .pointer("w", cw.pointer()).pointer("rowIds", ids).int32("count", round.length)
                    .pointer("v", vb.pointer()).float32("alpha", alpha).int32("rows", cw.rows()).int32("cols", cw.cols()));
        }
    }

    /**
     * The edit on rows kept in GGUF blocks, done on the host with the CPU backend's own code
     * ({@link QuantRowUpdate}: decode, one fp32 FMA per element, re-encode with the type's quantizer): the
     * listed rows' blocks come back, are edited in listed order (a repeated row twice) and go back to the
     * device. The quantizer chooses new block scales from the edited values — a data-dependent search whose
     * every rounding a kernel would have to reproduce — so the host keeps the stored bytes identical to the
     * CPU backend's by construction. The cost is moving K rows each way, once per edit (tiny next to
     * evaluating the edited model).
     */
    private void addToQuantizedRows(CudaWeight w, int[] rows, CudaBuffer v, float alpha) {
        Map<Integer, Integer> slotOfRow = new LinkedHashMap<>();
        int[] slots = new int[rows.length];
        for (int i = 0; i < rows.length; i++) slots[i] = slotOfRow.computeIfAbsent(rows[i], r -> slotOfRow.size());
        int[] distinct = slotOfRow.keySet().stream().mapToInt(Integer::intValue).toArray();
        float[] direction = new float[w.cols()];
        toHost(MemorySegment.ofArray(direction), v.pointer(), (long) direction.length * Float.BYTES);
        // One upload of the distinct ids serves the gather and the scatter.
        long ids = uploadInts(distinct);
        byte[] blocks = gatherRows(w, ids, distinct.length);
        QuantRowUpdate.addToRows(MemorySegment.ofArray(blocks), w.dtype(), w.cols(), slots, direction, 0, alpha, distinct.length);
        scatterRows(w, ids, distinct.length, blocks);
    }

    @Override public byte[] readRows(Weight w, int[] rows) {
        CudaWeight cw = CudaWeight.of(w);
        for (int r : rows) checkRow(cw, r);
        if (rows.length == 0 || cw.rowBytes() == 0) return new byte[0];
        context.bind();
        return gatherRows(cw, uploadInts(rows), rows.length);
    }

    /** The stored bytes of the {@code count} rows whose ids are on the device at {@code ids}, in that order. */
    private byte[] gatherRows(CudaWeight cw, long ids, int count) {
        long rowBytes = cw.rowBytes();
        byte[] out = new byte[Math.toIntExact(rowBytes * count)];
        long packed = packedRows.atLeast(out.length);
        launch(LaunchShapes.rowsByColumns(count, Math.toIntExact(rowBytes / 2)), args(CudaKernel.GATHER_ROWS_U16)
                .pointer("packed", packed).pointer("w", cw.pointer()).pointer("rowIds", ids)
                .int32("count", count).int32("rows", cw.rows()).int32("rowUnits", Math.toIntExact(rowBytes / 2)));
        toHost(MemorySegment.ofArray(out), packed, out.length);
        return out;
    }

    @Override public void writeRows(Weight w, int[] rows, byte[] bits) {
        CudaWeight cw = CudaWeight.of(w);
        long rowBytes = cw.rowBytes();
        if (bits.length != rowBytes * rows.length) {
            throw new IllegalArgumentException("writeRows: " + bits.length + " bytes for " + rows.length + " rows of " + rowBytes);
        }
        for (int r : rows) checkRow(cw, r);
        if (bits.length == 0) return;
        context.bind();
        // Where a row is listed twice the CPU's sequential copy leaves the last one: keep only that.
        Map<Integer, Integer> lastIndexOfRow = new LinkedHashMap<>();
        for (int i = 0; i < rows.length; i++) lastIndexOfRow.put(rows[i], i);
        int[] unique = new int[lastIndexOfRow.size()];
        byte[] packedBits = bits;
        if (unique.length != rows.length) {
            packedBits = new byte[Math.toIntExact(rowBytes * unique.length)];
            int j = 0;
            for (Map.Entry<Integer, Integer> e : lastIndexOfRow.entrySet()) {
                System.arraycopy(bits, Math.toIntExact(e.getValue() * rowBytes), packedBits, Math.toIntExact(j * rowBytes), Math.toIntExact(rowBytes));
                unique[j++] = e.getKey();
            }
        } else {
            unique = rows;
        }
        scatterRows(cw, uploadInts(unique), unique.length, packedBits);
    }

    /** Writes {@code bits} (row after row) over the {@code count} distinct rows whose ids are on the device at {@code ids}. */
    private void scatterRows(CudaWeight cw, long ids, int count, byte[] bits) {
        long rowBytes = cw.rowBytes();
        long packed = packedRows.atLeast(bits.length);
        toDevice(packed, MemorySegment.ofArray(bits), bits.length);
        launch(LaunchShapes.rowsByColumns(count, Math.toIntExact(rowBytes / 2)), args(CudaKernel.SCATTER_ROWS_U16)
                .pointer("w", cw.pointer()).pointer("packed", packed).pointer("rowIds", ids)
                .int32("count", count).int32("rows", cw.rows()).int32("rowUnits", Math.toIntExact(rowBytes / 2)));
    }

    /** Splits a row list into rounds in which no row repeats; the k-th occurrence of a row goes to round k. */
    static List<int[]> distinctRounds(int[] rows) {
        Map<Integer, Integer> seen = new HashMap<>();
        List<List<Integer>> rounds = new ArrayList<>();
        for (int r : rows) {
            int round = seen.merge(r, 1, Integer::sum) - 1;
            while (rounds.size() <= round) rounds.add(new ArrayList<>());
            rounds.get(round).add(r);
        }
        List<int[]> out = new ArrayList<>(rounds.size());
        for (List<Integer> round : rounds) out.add(round.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    private static void checkRow(CudaWeight w, int r) {
        if (r < 0 || r >= w.rows()) throw new IndexOutOfBoundsException("row " + r + " of " + w.name() + " with " + w.rows() + " rows");
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private void launch(LaunchShape shape, KernelArgs args) { kernels.launch(shape, args); }

    /** The kernel's reusable argument list, emptied for a new launch. */
    private KernelArgs args(CudaKernel kernel) { return argumentLists[kernel.ordinal()].reset(); }

    // ---- decode graphs (CudaDecodeGraph drives these) ----------------------------------------------

    @Override public boolean decodeGraphsEnabled() { return options.decodeGraphs(); }

    @Override public boolean holdsChosenToken(int token) { return chosenTokenSlot != null && token == chosenToken && token >= 0; }

    @Override public DecodeGraph newDecodeGraph(int capacity, int heads, int headDim) {
        if (headDim > LaunchShapes.ATTENTION_MAX_HEAD_DIM) {
            throw new UnsupportedOperationException("attention kernels handle head dimensions up to " + LaunchShapes.ATTENTION_MAX_HEAD_DIM + ", got " + headDim);
        }
        context.bind();
        // Allocated now (keeping its value): no allocation may happen while a graph is being captured.
        if (chosenTokenSlot == null) chosenTokenSlot = allocations.allocate(Integer.BYTES, "the chosen token id");
        return new CudaDecodeGraph(this, capacity, heads, headDim);
    }

    /** {@code out[0] = table[id]} for the id in the chosen-token slot (no upload: what a replayed step embeds). */
    void embedChosen(Buffer out, Weight table) {
        CudaBuffer o = CudaBuffer.of(out);
        CudaWeight t = CudaWeight.of(table);
        need(o, t.cols(), "embed output");
        if (chosenTokenSlot == null) throw new IllegalStateException("no token has been chosen on the device yet");
        context.bind();
        launch(LaunchShapes.rowsByColumns(1, t.cols()),
                args(embedKernel(t.dtype()))
                        .pointer("out", o.pointer()).pointer("table", t.pointer()).pointer("tokens", chosenTokenSlot.at(0))
                        .int32("count", 1).int32("vocab", t.rows()).int32("dim", t.cols()));
    }

    CudaContext context() { return context; }

    DeviceAllocations allocations() { return allocations; }

    KernelLibrary kernels() { return kernels; }

    void launchKernel(LaunchShape shape, KernelArgs args) { launch(shape, args); }

    KernelArgs argsFor(CudaKernel kernel) { return args(kernel); }

    /** Copies {@code values} to device address {@code dst} (waits for the copy). */
    void writeInts(long dst, int[] values) { toDevice(dst, MemorySegment.ofArray(values), (long) values.length * Integer.BYTES); }

    private static void need(CudaBuffer b, long n, String what) {
        if (n < 0 || n > b.length()) throw new IndexOutOfBoundsException(what + " needs " + n + " elements, buffer has " + b.length());
    }

    /** Copies host bytes to the device through the pinned buffer, chunk by chunk (each chunk completes before the buffer is reused). */
    private void toDevice(long dst, MemorySegment src, long bytes) {
        for (long done = 0; done < bytes; done += staging.capacity()) {
            long n = Math.min(staging.capacity(), bytes - done);
            MemorySegment.copy(src, done, staging.segment(), 0, n);
            try {
                driver.copyHostToDevice(dst + done, staging.memory(), 0, n, context.stream());
            } catch (CudaFailure e) {
                throw e.during("host-to-device copy of " + n + " bytes at offset " + done);
            }
            context.synchronize("host-to-device copy of " + n + " bytes");
        }
    }

    /** F32 tensor to F16/BF16 device memory, rounding to nearest even on the host while staging. */
    private void toDeviceNarrowed(long dst, Tensor tensor, DType resident) {
        long elements = tensor.size();
        long perChunk = staging.capacity() / 2;
        MemorySegment src = tensor.data(), stage = staging.segment();
        for (long done = 0; done < elements; done += perChunk) {
            long n = Math.min(perChunk, elements - done);
            for (long i = 0; i < n; i++) {
                stage.set(Tensor.I16_LE, 2 * i, (short) resident.encode(src.get(Tensor.F32_LE, 4 * (done + i))));
            }
            try {
                driver.copyHostToDevice(dst + 2 * done, staging.memory(), 0, 2 * n, context.stream());
            } catch (CudaFailure e) {
                throw e.during("host-to-device copy of " + 2 * n + " bytes at element " + done + " of " + tensor.name());
            }
            context.synchronize("host-to-device copy of " + tensor.name());
        }
    }

    /** Waits for queued work, then copies device bytes to the host through the pinned buffer. */
    private void toHost(MemorySegment dst, long src, long bytes) {
        for (long done = 0; done < bytes; done += staging.capacity()) {
            long n = Math.min(staging.capacity(), bytes - done);
            try {
                driver.copyDeviceToHost(staging.memory(), 0, src + done, n, context.stream());
            } catch (CudaFailure e) {
                throw e.during("device-to-host copy of " + n + " bytes at offset " + done);
            }
            context.synchronize(kernels.lastLaunchDescription());
            MemorySegment.copy(staging.segment(), 0, dst, done, n);
        }
    }

    private long uploadInts(int[] values) {
        long ids = rowIds.atLeast((long) values.length * Integer.BYTES);
        toDevice(ids, MemorySegment.ofArray(values), (long) values.length * Integer.BYTES);
        return ids;
    }

    /** The device int argmax and sample write the chosen id to (allocated once). */
    private long chosenTokenSlot() {
        if (chosenTokenSlot == null) chosenTokenSlot = allocations.allocate(Integer.BYTES, "the chosen token id");
        chosenToken = -1;  // about to be overwritten on the device
        return chosenTokenSlot.at(0);
    }

    /** Reads the id just written to the slot (the step's one host wait) and remembers it for the next embed. */
    private int chosen(long slot) {
        int id = readInt(slot);
        chosenToken = id;
        return id;
    }

    private int readInt(long src) {
        int[] one = new int[1];
        toHost(MemorySegment.ofArray(one), src, Integer.BYTES);
        return one[0];
    }

    /** Frees everything in order, attempting each step even after a failure, then reports the first failure. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        for (AutoCloseable step : new AutoCloseable[] {context::bind, () -> { if (cublas != null) cublas.close(); },
                allocations, kernels, staging, context}) {
            try {
                step.close();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);  // none of the steps throws checked exceptions
            }
        }
        if (first != null) throw first;
    }
}
