package io.scalpel.surgery.activations;

import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * Pooled activations on disk as safetensors ({@code activations} F32 [N, D]), keyed by a SHA-256 of
 * the model's identity, the hidden-state index, the truncation length and every token id — so a
 * second run over the same model and data skips the model, and any change to either misses.
 */
public final class ActivationCache {
    private final Path directory;

    public ActivationCache(Path directory) { this.directory = directory; }

    /** {@code $XDG_CACHE_HOME/scalpel/activations}, else {@code ~/.cache/scalpel/activations}. */
    public static ActivationCache userDefault() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new ActivationCache(base.resolve("scalpel").resolve("activations"));
    }

    public Path directory() { return directory; }

    public static String key(String modelIdentity, int index, int maxTokens, List<int[]> sequences) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((modelIdentity + "|" + index + "|" + maxTokens + "|" + sequences.size()).getBytes(StandardCharsets.UTF_8));
            ByteBuffer bb = ByteBuffer.allocate(4);
            for (int[] s : sequences) {
                md.update(bb.clear().putInt(s.length).array());
                for (int id : s) md.update(bb.clear().putInt(id).array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cached rows for {@code key}, or computes, stores and returns them. */
    public float[][] getOrCompute(String key, int dim, Supplier<float[][]> compute) {
        Path file = directory.resolve(key + ".safetensors");
        if (Files.exists(file)) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = SafetensorsReader.open(file, arena).tensor("activations");
                if (t != null && t.rank() == 2 && t.cols() == dim) {
                    float[] flat = t.toFloatArray();
                    float[][] rows = new float[t.rows()][dim];
                    for (int r = 0; r < rows.length; r++) System.arraycopy(flat, r * dim, rows[r], 0, dim);
                    return rows;
                }
            } catch (RuntimeException corrupt) {
                // A damaged cache entry is recomputed, never trusted.
            }
        }
        float[][] rows = compute.get();
        float[] flat = new float[rows.length * dim];
        for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, flat, r * dim, dim);
        try {
            Files.createDirectories(directory);
            new SafetensorsWriter().metadata("key", key)
                    .addFloats("activations", DType.F32, new long[]{rows.length, dim}, flat)
                    .write(file, SafetensorsWriter.WriteMode.REPLACE_EXISTING);
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("scalpel: could not cache activations in " + directory + ": " + e.getMessage());
        }
        return rows;
    }
}
