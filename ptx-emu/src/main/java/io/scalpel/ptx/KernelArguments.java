package io.scalpel.ptx;

import java.util.List;

/**
 * The parameter buffer of one launch, filled in declaration order and checked against the kernel's
 * {@code .param} list (PTX type and size), so a mismatch fails naming the kernel and the parameter.
 */
public final class KernelArguments {

    private final PtxFunction function;
    private final byte[] buffer;
    private int next;

    private KernelArguments(PtxFunction function) {
        this.function = function;
        this.buffer = new byte[Math.max(function.code().paramBytes(), 1)];
    }

    public static KernelArguments of(PtxFunction function) { return new KernelArguments(function); }

    public KernelArguments pointer(long address) { return add(address, 8, false); }

    public KernelArguments int32(int value) { return add(value & 0xFFFF_FFFFL, 4, false); }

    public KernelArguments int64(long value) { return add(value, 8, false); }

    public KernelArguments float32(float value) { return add(FloatMath.bits(value), 4, true); }

    public KernelArguments float64(double value) { return add(FloatMath.bits(value), 8, true); }

    private KernelArguments add(long raw, int size, boolean floating) {
        List<KernelCode.Param> params = function.code().params();
        if (next >= params.size()) throw new IllegalArgumentException(function.name() + " takes " + params.size() + " parameters; got one more");
        KernelCode.Param p = params.get(next);
        if (p.size() != size || p.type().floating != floating) {
            throw new IllegalArgumentException(function.name() + " parameter #" + next + " (" + p.name() + ") is ." + p.type().name().toLowerCase()
                    + "; got a " + size + "-byte " + (floating ? "float" : "integer"));
        }
        DeviceMemory.store(buffer, p.offset(), size, raw);
        next++;
        return this;
    }

    byte[] buffer() {
        if (next != function.code().params().size()) {
            throw new IllegalArgumentException(function.name() + " takes " + function.code().params().size() + " parameters; got " + next);
        }
        return buffer;
    }

    PtxFunction function() { return function; }
}
