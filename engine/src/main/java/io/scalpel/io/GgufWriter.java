package io.scalpel.io;

import io.scalpel.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file (the layout {@link GgufReader} reads): magic, version, tensor and metadata
 * counts, the typed key/values, the tensor infos (dimensions innermost first, offsets relative to the
 * data section, each a multiple of {@code general.alignment}), padding, then each tensor's bytes as
 * given. A tensor's ggml type and bytes pass through unchanged, so quantized blocks are written as
 * they were read; only the caller decides what the bytes are.
 */
public final class GgufWriter {
    public static final int VERSION = 3;
    public static final int DEFAULT_ALIGNMENT = 32;
    // gguf_type tags
    private static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9,
            INT64 = 11, FLOAT64 = 12;

    private record Entry(String name, GgmlType type, long[] shape, long byteSize, SafetensorsWriter.TensorBytes bytes) {}

    private final Map<String, byte[]> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final int alignment;

    public GgufWriter() { this(DEFAULT_ALIGNMENT); }

    /** @param alignment data alignment in bytes (a power of two); written as {@code general.alignment} */
    public GgufWriter(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment " + alignment + " is not a power of two");
        this.alignment = alignment;
        putUint32("general.alignment", alignment);
    }

    public GgufWriter putString(String key, String value) { return put(key, STRING, b -> b.string(value)); }

    public GgufWriter putUint32(String key, long value) {
        if (value < 0 || value > 0xFFFFFFFFL) throw new IllegalArgumentException("metadata " + key + " = " + value + " does not fit in a uint32");
        return put(key, UINT32, b -> b.u32((int) value));
    }

    public GgufWriter putInt32(String key, int value) { return put(key, INT32, b -> b.u32(value)); }

    public GgufWriter putFloat32(String key, float value) { return put(key, FLOAT32, b -> b.f32(value)); }

    public GgufWriter putBool(String key, boolean value) { return put(key, BOOL, b -> b.u8(value ? 1 : 0)); }

    public GgufWriter putStrings(String key, List<String> values) {
        return put(key, ARRAY, b -> {
            b.u32(STRING);
            b.u64(values.size());
            for (String s : values) b.string(s);
        });
    }

    public GgufWriter putFloats(String key, float[] values) {
        return put(key, ARRAY, b -> {
            b.u32(FLOAT32);
            b.u64(values.length);
            for (float f : values) b.f32(f);
        });
    }

    public GgufWriter putInts(String key, int[] values) {
        return put(key, ARRAY, b -> {
            b.u32(INT32);
            b.u64(values.length);
            for (int v : values) b.u32(v);
        });
    }

    /**
     * Copies a value as {@link GgufMetadata} holds it. The reader keeps the narrowest Java type, not the
     * file's tag, so tags are chosen back from the Java type: Integer → INT32, a Long that fits → UINT32
     * (what converters write for counts and ids), other Longs → INT64, Float → FLOAT32, Double → FLOAT64.
     */
    public GgufWriter putValue(String key, Object value) {
        return put(key, tagOf(key, value), b -> b.value(value));
    }

    private static int tagOf(String key, Object v) {
        return switch (v) {
            case String s -> STRING;
            case Integer i -> INT32;
            case Long l -> l >= 0 && l <= 0xFFFFFFFFL ? UINT32 : INT64;
            case Float f -> FLOAT32;
            case Double d -> FLOAT64;
            case Boolean b -> BOOL;
            case List<?> l -> ARRAY;
            case int[] a -> ARRAY;
            case long[] a -> ARRAY;
            case float[] a -> ARRAY;
            case double[] a -> ARRAY;
            case boolean[] a -> ARRAY;
            default -> throw new IllegalArgumentException("metadata " + key + " has a value of type " + v.getClass().getSimpleName() + " that GGUF cannot hold");
        };
    }

    private GgufWriter put(String key, int tag, java.util.function.Consumer<Bytes> value) {
        Bytes b = new Bytes();
        b.string(key);
        b.u32(tag);
        value.accept(b);
        metadata.put(key, b.toByteArray()); // a repeated key replaces the earlier value, in its place
        return this;
    }

    /** Adds a tensor whose bytes are copied from its segment; {@code shape} is row-major (slowest first). */
    public GgufWriter add(String name, GgmlType type, long[] shape, Tensor tensor) {
        return add(name, type, shape, tensor.data().byteSize(), out -> SafetensorsWriter.writeSegment(tensor.data(), out));
    }

    /** Adds a tensor whose {@code byteSize} bytes {@code bytes} produces at write time. */
    public GgufWriter add(String name, GgmlType type, long[] shape, long byteSize, SafetensorsWriter.TensorBytes bytes) {
        if (!names.add(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        long expected = type.byteSize(Tensor.elementCount(shape));
        if (byteSize != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + byteSize + " bytes for " + type + Arrays.toString(shape) + " (expected " + expected + ")");
        }
        tensors.add(new Entry(name, type, shape.clone(), byteSize, bytes));
        return this;
    }

    /** Writes the whole file at the channel's current position. */
    public void write(FileChannel out) throws IOException {
        Bytes head = new Bytes();
        head.u32(GgufReader.MAGIC);
        head.u32(VERSION);
        head.u64(tensors.size());
        head.u64(metadata.size());
        for (byte[] kv : metadata.values()) head.raw(kv);
        long offset = 0;
        for (Entry t : tensors) {
            head.string(t.name());
            head.u32(t.shape().length);
            for (int i = t.shape().length - 1; i >= 0; i--) head.u64(t.shape()[i]); // ggml: innermost dimension first
            head.u32(t.type().id());
            head.u64(offset);
            offset = align(offset + t.byteSize());
        }
        byte[] header = head.toByteArray();
        SafetensorsWriter.writeFully(out, ByteBuffer.wrap(header));
        pad(out, align(header.length) - header.length);
        long dataStart = out.position();
        for (Entry t : tensors) {
            long before = out.position();
            t.bytes().writeTo(out);
            long written = out.position() - before;
            if (written != t.byteSize()) throw new IllegalStateException("tensor " + t.name() + ": wrote " + written + " bytes, expected " + t.byteSize());
            pad(out, align(written) - written);
        }
        if (out.position() - dataStart != offset) throw new IllegalStateException("wrote " + (out.position() - dataStart) + " data bytes, infos promised " + offset);
    }

    /** Writes the file at {@code target} through a temporary file beside it; refuses an existing target. */
    public void write(Path target) {
        Path abs = target.toAbsolutePath();
        if (Files.exists(abs)) throw new CheckpointException(abs, "already exists; refusing to overwrite it");
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".part");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                write(ch);
                ch.force(true);
            }
            SafetensorsWriter.moveIntoPlace(tmp, abs, SafetensorsWriter.WriteMode.CREATE_NEW);
            tmp = null;
        } catch (IOException e) {
            throw new CheckpointException(abs, "cannot write: " + e, e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort: the real error is on its way */ }
            }
        }
    }

    private long align(long n) { return (n + alignment - 1) / alignment * alignment; }

    private static void pad(FileChannel out, long n) throws IOException {
        if (n > 0) SafetensorsWriter.writeFully(out, ByteBuffer.allocate((int) n));
    }

    /** Little-endian GGUF primitives into a growing array (headers are kilobytes to a few megabytes). */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) { out.write(v); }

        void u32(int v) { out.write(scratch.clear().putInt(v).array(), 0, 4); }

        void u64(long v) { out.write(scratch.clear().putLong(v).array(), 0, 8); }

        void f32(float v) { out.write(scratch.clear().putFloat(v).array(), 0, 4); }

        void f64(double v) { out.write(scratch.clear().putDouble(v).array(), 0, 8); }

        void raw(byte[] b) { out.writeBytes(b); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
        }

        /** A value's payload (its tag already written), by the rule of {@link #tagOf}. */
        void value(Object v) {
            switch (v) {
                case String s -> string(s);
                case Integer i -> u32(i);
                case Long l -> {
                    if (l >= 0 && l <= 0xFFFFFFFFL) u32(l.intValue()); else u64(l);
                }
                case Float f -> f32(f);
                case Double d -> f64(d);
                case Boolean b -> u8(b ? 1 : 0);
                case int[] a -> { u32(INT32); u64(a.length); for (int x : a) u32(x); }
                case long[] a -> {
                    boolean small = Arrays.stream(a).allMatch(x -> x >= 0 && x <= 0xFFFFFFFFL);
                    u32(small ? UINT32 : INT64);
                    u64(a.length);
                    for (long x : a) { if (small) u32((int) x); else u64(x); }
                }
                case float[] a -> { u32(FLOAT32); u64(a.length); for (float x : a) f32(x); }
                case double[] a -> { u32(FLOAT64); u64(a.length); for (double x : a) f64(x); }
                case boolean[] a -> { u32(BOOL); u64(a.length); for (boolean x : a) u8(x ? 1 : 0); }
                case List<?> list -> {
                    if (list.stream().allMatch(e -> e instanceof String)) {
                        u32(STRING);
                        u64(list.size());
                        for (Object e : list) string((String) e);
                    } else {
                        // Arrays of arrays: every element carries its own nested array payload.
                        u32(ARRAY);
                        u64(list.size());
                        for (Object e : list) value(e);
                    }
                }
                default -> throw new IllegalArgumentException("a value of type " + v.getClass().getSimpleName() + " has no GGUF form");
            }
        }

        byte[] toByteArray() { return out.toByteArray(); }
    }

}
