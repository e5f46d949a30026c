package io.scalpel.backend.cuda.driver;

import java.util.List;
import java.util.StringJoiner;

/**
 * The arguments of one kernel launch, the one object every {@link CudaDriver} consumes. Arguments are
 * added in order and checked against the kernel's {@link KernelSignature} as they are added — a wrong type
 * or count fails here, in Java, with the kernel's name, instead of as garbage inside the kernel.
 *
 * <p>Values are kept as raw 64-bit patterns in a primitive array ({@link #bits(int)}): an {@code int} or
 * {@code float} in the low 32 bits, a {@code long long}, {@code double} or device pointer in all 64 — the
 * bytes a driver copies into the kernel's {@code .param} space, little-endian. An instance is meant to be
 * reused: {@link #reset()} and fill it again, so a launch allocates nothing. Argument names must be
 * constants (string literals): they are kept by reference for {@link #describe()}, never formatted per launch.
 *
 * <p>Not thread-safe; a driver reads it only during {@link CudaDriver#launch} (the real driver copies the
 * values at that call, also while a stream is being captured into a graph).
 */
public final class KernelArgs {
    private final KernelSignature signature;
    private final long[] bits;
    private final String[] names;
    private int count;

    private KernelArgs(KernelSignature signature) {
        this.signature = signature;
        this.bits = new long[signature.params().size()];
        this.names = new String[signature.params().size()];
    }

    public static KernelArgs of(KernelSignature signature) { return new KernelArgs(signature); }

    public KernelSignature signature() { return signature; }

    /** Forgets the values given so far, for the next launch of the same kernel. */
    public KernelArgs reset() {
        count = 0;
        return this;
    }

    /** A device address; 0 (the null pointer) is refused, as no kernel here takes one. */
    public KernelArgs pointer(String name, long address) {
        if (address == 0) throw new IllegalArgumentException(signature.entry() + ": null device pointer for " + name);
        return add(KernelParam.POINTER, name, address);
    }

    public KernelArgs int32(String name, int value) { return add(KernelParam.INT, name, value & 0xFFFF_FFFFL); }

    public KernelArgs int64(String name, long value) { return add(KernelParam.LONG, name, value); }

    public KernelArgs float32(String name, float value) { return add(KernelParam.FLOAT, name, Float.floatToRawIntBits(value) & 0xFFFF_FFFFL); }

    public KernelArgs float64(String name, double value) { return add(KernelParam.DOUBLE, name, Double.doubleToRawLongBits(value)); }

    private KernelArgs add(KernelParam kind, String name, long value) {
        List<KernelParam> declared = signature.params();
        if (count >= declared.size()) {
            throw new IllegalStateException(signature.entry() + " takes " + declared.size() + " arguments; extra argument " + name);
        }
        if (declared.get(count) != kind) {
            throw new IllegalStateException(signature.entry() + " argument #" + count + " (" + name + ") is declared "
                    + declared.get(count) + ", got " + kind);
        }
        bits[count] = value;
        names[count] = name;
        count++;
        return this;
    }

    /** Arguments given so far. */
    public int count() { return count; }

    /** Whether every declared argument was given. */
    public boolean complete() { return count == bits.length; }

    /** Fails unless every declared argument was given; drivers call it before launching. */
    public void requireComplete() {
        if (!complete()) {
            throw new IllegalStateException(signature.entry() + " takes " + bits.length + " arguments, got " + count + ": " + describe());
        }
    }

    public KernelParam kind(int index) { return signature.params().get(check(index)); }

    public String name(int index) { return names[check(index)]; }

    /** The raw pattern: zero-extended 32 bits for INT and FLOAT, 64 bits for LONG, DOUBLE and POINTER. */
    public long bits(int index) { return bits[check(index)]; }

    /** The value's size in the {@code .param} space: 4 bytes for INT and FLOAT, 8 for the others (also its alignment). */
    public static int size(KernelParam kind) {
        return switch (kind) {
            case INT, FLOAT -> 4;
            case LONG, DOUBLE, POINTER -> 8;
        };
    }

    private int check(int index) {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException(signature.entry() + " argument #" + index + " of " + count + " given");
        return index;
    }

    /** "n=4096, k=11008, eps=1.0E-5" — scalars by value, pointers by name, for error messages only. */
    public String describe() {
        StringJoiner s = new StringJoiner(", ");
        for (int i = 0; i < count; i++) {
            KernelParam kind = signature.params().get(i);
            s.add(switch (kind) {
                case POINTER -> names[i];
                case INT -> names[i] + "=" + (int) bits[i];
                case LONG -> names[i] + "=" + bits[i];
                case FLOAT -> names[i] + "=" + Float.intBitsToFloat((int) bits[i]);
                case DOUBLE -> names[i] + "=" + Double.longBitsToDouble(bits[i]);
            });
        }
        return s.toString();
    }
}
