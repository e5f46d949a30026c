package io.scalpel.io;

import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;
import io.scalpel.model.RopeScaling;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Karpathy's llama2.c legacy checkpoint: a 7 × int32 header (dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size — negative when an unshared classifier follows — seq_len), then
 * fp32 weights in run.c's order, each kind stacked over layers. q/k are in the interleaved RoPE layout.
 */
final class Llama2cCheckpointReader {
    private static final long HEADER_BYTES = 7 * 4;
    /** Bytes per read call while loading. */
    private static final long READ_BYTES = 64L << 20;

    private Llama2cCheckpointReader() {}

    static Checkpoint read(ModelFormat.Llama2c format, Arena arena) {
        Path file = format.path();
        MemorySegment map = alignedCopy(file, arena);
        if (map.byteSize() < HEADER_BYTES) throw new CheckpointException(file, "truncated llama2.c checkpoint (no 28-byte header)");
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) h[i] = map.getAtIndex(Tensor.I32_LE, i);
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = Math.abs(h[5]), seqLen = h[6];
        boolean shared = h[5] > 0;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0 || dim % heads != 0) {
            throw new CheckpointException(file, "implausible llama2.c header " + java.util.Arrays.toString(h) + " (not a llama2.c checkpoint?)");
        }
        int headDim = dim / heads;
        ModelConfig config;
        try {
            config = new ModelConfig("llama", dim, hidden, layers, heads, kvHeads, headDim, vocab, seqLen,
                    1e-5f, 10000.0, new RopeScaling.None(), shared, 1, 2);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage());
        }
        int kvDim = config.kvDim();
        var cursor = new Cursor(file, map, HEADER_BYTES);
        Map<String, Tensor> t = new LinkedHashMap<>();
        TensorNaming n = TensorNaming.HUGGING_FACE;
        t.put(n.embedding(), cursor.take(n.embedding(), vocab, dim));
        cursor.stacked(t, n, n.attnNorm(), layers, dim);
        cursor.stacked(t, n, n.wq(), layers, dim, dim);
        cursor.stacked(t, n, n.wk(), layers, kvDim, dim);
        cursor.stacked(t, n, n.wv(), layers, kvDim, dim);
        cursor.stacked(t, n, n.wo(), layers, dim, dim);
        cursor.stacked(t, n, n.ffnNorm(), layers, dim);
        cursor.stacked(t, n, n.gate(), layers, hidden, dim);
        cursor.stacked(t, n, n.down(), layers, dim, hidden);
        cursor.stacked(t, n, n.up(), layers, hidden, dim);
        t.put(n.finalNorm(), cursor.take(n.finalNorm(), dim));
        cursor.skip("freq_cis", (long) seqLen * headDim); // real and imaginary halves: seq_len·head_size/2 each
        if (!shared) t.put(n.output(), cursor.take("wcls", vocab, dim));
        cursor.requireEnd();
        ModelWeights weights = new WeightsAssembler(file, t, n, config).assemble(true, arena);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "llama2.c");
        meta.put("dtype", "F32");
        return new Checkpoint(format, config, weights, false, meta, arena);
    }

    /**
     * The file's bytes at a 64-byte-aligned address. Its 28-byte header leaves every weight row of
     * the mapping misaligned, which cost a quarter of decode speed (110M F32: 41 vs 55 tok/s from an
     * aligned safetensors file); so the file is read once into aligned memory. Read, not mapped and
     * copied: a mapping's pages count in this process's resident set while the copy is made, which put
     * the load's peak at twice the file (963 MB for a 438 MB file).
     */
    private static MemorySegment alignedCopy(Path file, Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            // Keep the header at offset 28 of a 64-aligned block + 36, so that offset 28 + 36 = 64 starts the weights.
            MemorySegment copy = arena.allocate(size + 36, 64).asSlice(36);
            for (long done = 0; done < size; ) {
                // A ByteBuffer view holds at most 2 GB: read in slices.
                ByteBuffer part = copy.asSlice(done, Math.min(READ_BYTES, size - done)).asByteBuffer();
                while (part.hasRemaining()) {
                    if (ch.read(part, done + part.position()) < 0) throw new CheckpointException(file, "shrank while being read");
                }
                done += part.capacity();
            }
            return copy;
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file");
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Walks the file in run.c's order, refusing to read past its end. */
    private static final class Cursor {
        private final FileBounds bounds;
        private final MemorySegment map;
        private long offset;

        Cursor(Path file, MemorySegment map, long offset) {
            this.bounds = new FileBounds(file, map.byteSize());
            this.map = map;
            this.offset = offset;
        }

        Tensor take(String name, long... shape) {
            long bytes = bounds.tensorBytes("tensor " + name, shape, 4);
            bounds.requireRange("tensor " + name, offset, bytes);
            Tensor tensor = new Tensor(name, DType.F32, shape, map.asSlice(offset, bytes));
            offset += bytes;
            return tensor;
        }

        void stacked(Map<String, Tensor> out, TensorNaming n, String suffix, int layers, long... perLayer) {
            for (int l = 0; l < layers; l++) {
                String name = n.layer(l, suffix);
                out.put(name, take(name, perLayer));
            }
        }

        /** A llama2.c file has no index: bytes left over mean the header's sizes do not describe it. */
        void requireEnd() {
            if (offset != map.byteSize()) {
                throw bounds.error((map.byteSize() - offset) + " bytes follow the last tensor; the header's sizes do not describe this file");
            }
        }

        void skip(String what, long floats) {
            // Some exporters omit the unused freq_cis tables; only skip them when present.
            if (floats * 4 <= map.byteSize() - offset) offset += floats * 4;
        }
    }
}
