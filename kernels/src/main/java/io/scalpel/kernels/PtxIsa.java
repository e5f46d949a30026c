package io.scalpel.kernels;

/**
 * A PTX ISA version ({@code .version major.minor}). The driver JIT-compiles PTX only up to the ISA of
 * the CUDA version it supports, so the ISA decides the oldest usable driver: nvcc 13.0 writes ISA 9.0,
 * which needs a CUDA 13.0 driver (NVIDIA 580 or newer).
 */
public record PtxIsa(int major, int minor) {

    /**
     * The oldest driver CUDA version (as {@code cuDriverGetVersion} reports it: 1000*major + 10*minor)
     * that loads this ISA. From the PTX ISA release notes; an ISA newer than this table knows is
     * assumed to need CUDA 13.0 or later.
     */
    public int minimumDriverCudaVersion() {
        return switch (major * 10 + minor) {
            case 90 -> 13000;
            case 88 -> 12090;
            case 87 -> 12080;
            case 86 -> 12070;
            case 85 -> 12050;
            case 84 -> 12040;
            case 83 -> 12030;
            case 82 -> 12020;
            case 81 -> 12010;
            case 80 -> 12000;
            case 78 -> 11080;
            default -> major * 10 + minor < 78 ? 11000 : 13000;
        };
    }

    /** The NVIDIA driver branch that first shipped {@link #minimumDriverCudaVersion()}, for messages. */
    public String minimumDriverBranch() {
        int cuda = minimumDriverCudaVersion();
        if (cuda >= 13000) return "580";
        if (cuda >= 12090) return "575";
        if (cuda >= 12080) return "570";
        if (cuda >= 12060) return "560";
        if (cuda >= 12050) return "555";
        if (cuda >= 12040) return "550";
        if (cuda >= 12000) return "525";
        return "450";
    }

    @Override public String toString() { return major + "." + minor; }
}
