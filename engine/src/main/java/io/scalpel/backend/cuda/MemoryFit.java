package io.scalpel.backend.cuda;

import java.util.Locale;

/**
 * Whether {@code needed} bytes fit in a device's free memory, as one line for the user
 * ("needs 2.51 GiB on the GPU; NVIDIA H100 80GB HBM3 has 78.61 GiB free of 79.19 GiB: fits").
 *
 * @param headroom bytes kept back for the context, activations and the KV cache growth that the caller did not count
 */
public record MemoryFit(long needed, long free, long total, long headroom, String device) {

    /** Default margin: cuBLAS workspaces, module code, fragmentation. */
    public static final long DEFAULT_HEADROOM = 512L << 20;

    public boolean fits() { return needed + headroom <= free; }

    public String message() {
        String verdict = fits() ? "fits" : "does NOT fit (short by " + gib(needed + headroom - free) + ", "
                + gib(headroom) + " kept as headroom): use a smaller model, --device cpu, or cast F32 weights to F16/BF16";
        return "needs " + gib(needed) + " on the GPU; " + device + " has " + gib(free) + " free of " + gib(total) + ": " + verdict;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
