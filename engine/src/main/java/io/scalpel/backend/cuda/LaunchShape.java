package io.scalpel.backend.cuda;

/**
 * A kernel's grid and block dimensions and dynamic shared memory, validated against the limits every
 * CUDA device shares (grid.y and grid.z at most 65535, at most 1024 threads per block).
 */
public record LaunchShape(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {

    public static final int MAX_GRID_YZ = 65535;
    public static final int MAX_THREADS_PER_BLOCK = 1024;

    public LaunchShape {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || blockY < 1 || blockZ < 1 || sharedBytes < 0) {
            throw new IllegalArgumentException("launch shape needs positive sizes: " + describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes));
        }
        if (gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid.y and grid.z are limited to 65535: " + describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes));
        }
        if ((long) blockX * blockY * blockZ > MAX_THREADS_PER_BLOCK) {
            throw new IllegalArgumentException("at most 1024 threads per block: " + describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes));
        }
    }

    /** A 1-D grid of 1-D blocks. */
    public static LaunchShape linear(int blocks, int threads) { return new LaunchShape(blocks, 1, 1, threads, 1, 1, 0); }

    public long threadsPerBlock() { return (long) blockX * blockY * blockZ; }

    public long blocks() { return (long) gridX * gridY * gridZ; }

    public LaunchShape withSharedBytes(int bytes) { return new LaunchShape(gridX, gridY, gridZ, blockX, blockY, blockZ, bytes); }

    @Override public String toString() { return describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes); }

    private static String describe(int gx, int gy, int gz, int bx, int by, int bz, int shared) {
        return "grid(" + gx + "," + gy + "," + gz + ") block(" + bx + "," + by + "," + bz + ") shared " + shared + " B";
    }
}
