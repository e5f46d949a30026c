package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.KernelParam;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The arguments of one kernel launch, added in order and checked against the kernel's declared
 * signature as they are added — a wrong type or count fails here, in Java, with the kernel's name,
 * instead of as garbage inside the kernel. {@link #pack()} builds the {@code void**} array
 * {@code cuLaunchKernel} takes: one pointer per argument, each to a host copy of the value.
 */
public final class KernelArgs {

    /** One packed argument: its kind and value (a {@link CUdeviceptr}, Integer, Long, Float or Double). */
    public record Arg(KernelParam kind, String name, Object value) {}

    private final CudaKernel kernel;
    private final List<Arg> args = new ArrayList<>();

    private KernelArgs(CudaKernel kernel) { this.kernel = kernel; }

    public static KernelArgs of(CudaKernel kernel) { return new KernelArgs(kernel); }

    public CudaKernel kernel() { return kernel; }

    public KernelArgs pointer(String name, CUdeviceptr value) {
        if (value == null) throw new IllegalArgumentException(kernel.entry() + ": null device pointer for " + name);
        return add(KernelParam.POINTER, name, value);
    }

    public KernelArgs int32(String name, int value) { return add(KernelParam.INT, name, value); }

    public KernelArgs int64(String name, long value) { return add(KernelParam.LONG, name, value); }

    public KernelArgs float32(String name, float value) { return add(KernelParam.FLOAT, name, value); }

    public KernelArgs float64(String name, double value) { return add(KernelParam.DOUBLE, name, value); }

    private KernelArgs add(KernelParam kind, String name, Object value) {
        int index = args.size();
        List<KernelParam> declared = kernel.params();
        if (index >= declared.size()) {
            throw new IllegalStateException(kernel.entry() + " takes " + declared.size() + " arguments; extra argument " + name);
        }
        if (declared.get(index) != kind) {
            throw new IllegalStateException(kernel.entry() + " argument #" + index + " (" + name + ") is declared "
                    + declared.get(index) + ", got " + kind);
        }
        args.add(new Arg(kind, name, value));
        return this;
    }

    public List<Arg> args() { return List.copyOf(args); }

    /** The {@code kernelParams} array for {@code cuLaunchKernel}; fails unless every declared argument was given. */
    public Pointer pack() {
        if (args.size() != kernel.params().size()) {
            throw new IllegalStateException(kernel.entry() + " takes " + kernel.params().size() + " arguments, got " + args.size() + ": " + describe());
        }
        NativePointerObject[] pointers = new NativePointerObject[args.size()];
        for (int i = 0; i < pointers.length; i++) {
            Arg a = args.get(i);
            pointers[i] = switch (a.kind()) {
                case POINTER -> Pointer.to((CUdeviceptr) a.value());
                case INT -> Pointer.to(new int[] {(Integer) a.value()});
                case LONG -> Pointer.to(new long[] {(Long) a.value()});
                case FLOAT -> Pointer.to(new float[] {(Float) a.value()});
                case DOUBLE -> Pointer.to(new double[] {(Double) a.value()});
            };
        }
        return Pointer.to(pointers);
    }

    /** "n=4096, k=11008, eps=1.0E-5" — scalars by value, pointers by name, for error messages. */
    public String describe() {
        StringJoiner s = new StringJoiner(", ");
        for (Arg a : args) s.add(a.kind() == KernelParam.POINTER ? a.name() : a.name() + "=" + a.value());
        return s.toString();
    }
}
