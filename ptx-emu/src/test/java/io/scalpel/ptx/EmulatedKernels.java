package io.scalpel.ptx;

import io.scalpel.kernels.PtxModule;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.function.Consumer;

/** Test harness: one committed PTX module on a fresh emulated device, with typed uploads and downloads. */
final class EmulatedKernels {

    final PtxDevice device;
    private final Map<String, PtxFunction> functions;

    EmulatedKernels(PtxModule module, Sanitizers sanitizers) {
        this(module.stem() + ".ptx", module.load().text(), sanitizers);
    }

    EmulatedKernels(String name, String ptx, Sanitizers sanitizers) {
        device = new PtxDevice(sanitizers);
        functions = device.load(name, ptx);
    }

    PtxFunction function(String name) {
        PtxFunction f = functions.get(name);
        if (f == null) throw new IllegalArgumentException("no entry " + name + " in " + functions.keySet());
        return f;
    }

    long upload(float[] values) {
        long p = device.memory().allocate(4L * values.length);
        device.memory().copyFromHost(p, MemorySegment.ofArray(values), 4L * values.length);
        return p;
    }

    long upload(short[] values) {
        long p = device.memory().allocate(2L * values.length);
        device.memory().copyFromHost(p, MemorySegment.ofArray(values), 2L * values.length);
        return p;
    }

    long upload(int[] values) {
        long p = device.memory().allocate(4L * values.length);
        device.memory().copyFromHost(p, MemorySegment.ofArray(values), 4L * values.length);
        return p;
    }

    /** An allocation filled with NaN, so an output the kernel forgets to write cannot pass. */
    long poisoned(int floats) {
        long p = device.memory().allocate(4L * floats);
        device.memory().memset(p, Float.floatToRawIntBits(Float.NaN), 4, floats);
        return p;
    }

    float[] floats(long p, int n) {
        float[] out = new float[n];
        device.memory().copyToHost(MemorySegment.ofArray(out), p, 4L * n);
        return out;
    }

    int[] ints(long p, int n) {
        int[] out = new int[n];
        device.memory().copyToHost(MemorySegment.ofArray(out), p, 4L * n);
        return out;
    }

    short[] shorts(long p, int n) {
        short[] out = new short[n];
        device.memory().copyToHost(MemorySegment.ofArray(out), p, 2L * n);
        return out;
    }

    void launch(String kernel, int[] grid, int[] block, int dynamicShared, Consumer<KernelArguments> args) {
        PtxFunction f = function(kernel);
        KernelArguments a = KernelArguments.of(f);
        args.accept(a);
        device.launch(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], dynamicShared, a);
    }

    static int[] dim(int x) { return new int[] {x, 1, 1}; }

    static int[] dim(int x, int y) { return new int[] {x, y, 1}; }

    static int[] dim(int x, int y, int z) { return new int[] {x, y, z}; }

    /** ‖a − b‖ / ‖b‖, failing on any NaN. */
    static double relativeL2(float[] actual, double[] expected) {
        double num = 0, den = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i])) return Double.POSITIVE_INFINITY;
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    static float[] random(java.util.Random rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return v;
    }

    static short[] toHalf(float[] v) {
        short[] h = new short[v.length];
        for (int i = 0; i < v.length; i++) h[i] = Float.floatToFloat16(v[i]);
        return h;
    }

    static short[] toBf16(float[] v) {
        short[] h = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            int b = Float.floatToRawIntBits(v[i]);
            h[i] = (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
        }
        return h;
    }

    static float fromHalf(short h) { return Float.float16ToFloat(h); }

    static float fromBf16(short h) { return Float.intBitsToFloat((h & 0xFFFF) << 16); }

}
