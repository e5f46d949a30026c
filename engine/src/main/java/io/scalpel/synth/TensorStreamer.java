package io.scalpel.synth;

import io.scalpel.tensor.Bf16;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Generates a tensor's values and writes them, encoded in the target dtype, to a channel — in fixed
 * blocks so that a 13 GB tensor never sits on the heap. Each block has its own generator, seeded from
 * (run seed, tensor name, block index), so the bytes depend only on those, never on the thread count
 * or on scheduling: the same seed gives the same file.
 */
final class TensorStreamer implements AutoCloseable {
    /** Elements per independently seeded block (a fixed constant: changing it changes every file). */
    static final int BLOCK = 1 << 18;
    /** Random weights ~ N(0, STD), as Llama initialisers use. */
    static final double STD = 0.02;

    private final long seed;
    private final ExecutorService pool;
    private final ByteBuffer[] slots;

    TensorStreamer(long seed, int threads) {
        this.seed = seed;
        this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("scalpel-synth-", 0).factory());
        // Two blocks per thread in flight: generation of the next wave never waits on a single slow block.
        this.slots = new ByteBuffer[2 * threads];
        for (int i = 0; i < slots.length; i++) slots[i] = ByteBuffer.allocateDirect(BLOCK * 4).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes {@code t}'s elements in {@code dtype} at the channel's position; returns the bytes written. */
    long write(WritableByteChannel out, PlannedTensor t, DType dtype) throws IOException {
        long n = t.elements();
        long tensorSeed = mix(seed ^ nameHash(t.name()));
        long blocks = (n + BLOCK - 1) / BLOCK;
        long written = 0;
        for (long first = 0; first < blocks; first += slots.length) {
            int wave = (int) Math.min(slots.length, blocks - first);
            List<Future<?>> pending = new ArrayList<>(wave);
            for (int s = 0; s < wave; s++) {
                long block = first + s;
                ByteBuffer buf = slots[s];
                int count = (int) Math.min(BLOCK, n - block * BLOCK);
                pending.add(pool.submit(() -> fill(buf, t.fill(), dtype, count, mix(tensorSeed + block * 0x9E3779B97F4A7C15L))));
            }
            for (int s = 0; s < wave; s++) {
                await(pending.get(s));
                ByteBuffer buf = slots[s];
                while (buf.hasRemaining()) written += out.write(buf);
            }
        }
        return written;
    }

    private static void fill(ByteBuffer buf, PlannedTensor.Fill fill, DType dtype, int count, long blockSeed) {
        buf.clear();
        SplittableRandom random = new SplittableRandom(blockSeed);
        if (dtype.isQuantized()) {
            // The same values as every other dtype (same generator), encoded block by block; count is whole blocks.
            float[] values = new float[count];
            for (int i = 0; i < count; i++) values[i] = value(fill, random);
            int bytes = Math.toIntExact(dtype.byteSize(count));
            dtype.codec().encodeRow(values, 0, count, MemorySegment.ofBuffer(buf), 0);
            buf.limit(bytes);
            return;
        }
        for (int i = 0; i < count; i++) {
            float v = value(fill, random);
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case F16 -> buf.putShort(Float.floatToFloat16(v));
                case BF16 -> buf.putShort(Bf16.fromFloat(v));
                case I32 -> throw new IllegalArgumentException("synthetic weights are float");
                case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalStateException("unreachable: quantized handled above");
            }
        }
        buf.flip();
    }

    private static float value(PlannedTensor.Fill fill, SplittableRandom random) {
        return switch (fill) {
            case RANDOM -> (float) (random.nextGaussian() * STD);
            case ONES -> 1f;
            case ZEROS -> 0f;
        };
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating weights", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IOException(e.getCause());
        }
    }

    /** FNV-1a over the name's UTF-8 bytes: a 64-bit, version-independent tensor identity for seeding. */
    private static long nameHash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Stafford's mix13 finaliser: neighbouring seeds give unrelated generators. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override public void close() {
        pool.shutdownNow();
    }
}
