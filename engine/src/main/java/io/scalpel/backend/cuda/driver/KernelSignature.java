package io.scalpel.backend.cuda.driver;

import java.util.List;

/**
 * A kernel's entry point and C parameter list, in declaration order, as nvcc writes it in the PTX
 * {@code .entry} ({@link KernelParam#ptxType()}). {@link KernelArgs} checks each launch against it.
 */
public record KernelSignature(String entry, List<KernelParam> params) {
    public KernelSignature {
        if (entry == null || entry.isBlank()) throw new IllegalArgumentException("kernel signature needs an entry name");
        params = List.copyOf(params);
    }

    public static KernelSignature of(String entry, KernelParam... params) { return new KernelSignature(entry, List.of(params)); }
}
