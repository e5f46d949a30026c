package io.scalpel.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a safetensors file: 8-byte little-endian header length, a JSON header padded with spaces to
 * a multiple of 8 bytes (so the data start is 8-aligned), then each tensor's little-endian bytes in
 * the order they were added.
 *
 * <p>Only descriptions of the tensors are collected; their bytes are streamed to disk in bounded
 * chunks at {@link #write} time, so a multi-GB model (mapped {@link Tensor}s, or a
 * {@link TensorBytes} that produces edited rows on the fly) never sits on the heap.
 *
 * <p>The file is written to a temporary file in the target's directory and moved into place only
 * once complete and forced to disk, so a crash or error never leaves a partial file under the
 * target name. An existing target is refused unless {@link WriteMode#REPLACE_EXISTING} is given.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Chunk size for encoding heap arrays and copying segments: big enough for throughput, small enough to stay off the heap's radar. */
    private static final int CHUNK = 1 << 20;

    /** Whether an existing file may be replaced. */
    public enum WriteMode { CREATE_NEW, REPLACE_EXISTING }

    /**
     * Produces exactly one tensor's bytes (little-endian, row-major) into {@code out}. Called once,
     * during {@link #write}; the writer checks the byte count.
     */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Entry(String name, DType dtype, long[] shape, long byteSize, TensorBytes bytes) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a string to the {@code __metadata__} section (safetensors allows only string values). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "metadata key"), Objects.requireNonNull(value, "metadata value for " + key));
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> entries) {
        entries.forEach(this::metadata);
        return this;
    }

    /** Adds a tensor under its own name; its bytes are copied from its segment at write time. */
    public SafetensorsWriter add(Tensor tensor) {
        return add(tensor.name(), tensor);
    }

    /** Adds a tensor under {@code name}, same dtype and bytes. */
    public SafetensorsWriter add(String name, Tensor tensor) {
        MemorySegment data = tensor.data();
        return add(name, tensor.dtype(), tensor.shape(), out -> writeSegment(data, out));
    }

    /** Adds fp32 values, stored as {@code dtype} (F32, F16 or BF16; 16-bit types round to nearest even). */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        if (!dtype.isFloat()) throw new IllegalArgumentException("tensor " + name + ": floats cannot be stored as " + dtype);
        checkCount(name, shape, values.length);
        float[] copy = values.clone();
        return add(name, dtype, shape, out -> writeFloats(copy, dtype, out));
    }

    /** Adds int32 values as an I32 tensor. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] values) {
        checkCount(name, shape, values.length);
        int[] copy = values.clone();
        return add(name, DType.I32, shape, out -> writeInts(copy, out));
    }

    /** Adds a tensor whose bytes {@code bytes} produces at write time (e.g. a weight with edited rows). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorBytes bytes) {
        Objects.requireNonNull(name, "tensor name");
        if (name.equals("__metadata__")) throw new IllegalArgumentException("__metadata__ is reserved and cannot name a tensor");
        if (!names.add(name)) throw new IllegalArgumentException("tensor " + name + " added twice");
        long[] s = shape.clone();
        for (long d : s) if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension in " + Arrays.toString(s));
        entries.add(new Entry(name, dtype, s, Tensor.elementCount(s) * dtype.bytes(), Objects.requireNonNull(bytes)));
        return this;
    }

    /**
     * Writes the file. The temporary file lives beside {@code target} (same file system, so the final
     * move is an atomic rename) and is deleted on any failure.
     */
    public void write(Path target, WriteMode mode) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (mode == WriteMode.CREATE_NEW && Files.exists(abs)) {
            throw new CheckpointException(abs, "already exists; refusing to overwrite it (choose another path or allow replacing)");
        }
        byte[] header = headerBytes();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = StagingPaths.createFile(dir, "." + abs.getFileName() + ".", ".part");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Entry e : entries) {
                    long before = ch.position();
                    e.bytes().writeTo(ch);
                    long written = ch.position() - before;
                    if (written != e.byteSize()) {
                        throw new CheckpointException(abs, "tensor " + e.name() + ": wrote " + written + " bytes, expected "
                                + e.byteSize() + " for " + e.dtype() + Arrays.toString(e.shape()));
                    }
                }
                ch.force(true);
            }
            moveIntoPlace(tmp, abs, mode);
            tmp = null;
        } catch (IOException e) {
            throw new CheckpointException(abs, "cannot write: " + e, e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort: the real error is already on its way */ }
            }
        }
    }

    /** Header JSON (tensors in insertion order, offsets contiguous) padded with spaces to a multiple of 8 bytes. */
    byte[] headerBytes() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            ArrayNode offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    static void moveIntoPlace(Path tmp, Path target, WriteMode mode) throws IOException {
        if (mode == WriteMode.REPLACE_EXISTING) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        // A POSIX rename silently replaces the target, so "create new" links instead: link creation
        // fails atomically if another writer got there first. Where hard links are unsupported, fall
        // back to a checked move (a narrow race, but never a partial file).
        try {
            Files.createLink(target, tmp);
            Files.delete(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new CheckpointException(target, "already exists; refusing to overwrite it (choose another path or allow replacing)");
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(target)) throw new CheckpointException(target, "already exists; refusing to overwrite it");
            Files.move(tmp, target);
        }
    }

    static void writeSegment(MemorySegment data, WritableByteChannel out) throws IOException {
        long size = data.byteSize();
        for (long pos = 0; pos < size; pos += CHUNK) {
            long n = Math.min(CHUNK, size - pos);
            ByteBuffer buf = data.asSlice(pos, n).asByteBuffer();
            writeFully(out, buf);
        }
    }

    private static void writeFloats(float[] values, DType dtype, WritableByteChannel out) throws IOException {
        int width = dtype.bytes();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (buf.remaining() < width) flush(buf, out);
            if (width == 4) buf.putFloat(v);
            else buf.putShort((short) dtype.encode(v));
        }
        flush(buf, out);
    }

    private static void writeInts(int[] values, WritableByteChannel out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            if (buf.remaining() < 4) flush(buf, out);
            buf.putInt(v);
        }
        flush(buf, out);
    }

    private static void flush(ByteBuffer buf, WritableByteChannel out) throws IOException {
        buf.flip();
        writeFully(out, buf);
        buf.clear();
    }

    static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
    }

    private static void checkCount(String name, long[] shape, int count) {
        long expected = Tensor.elementCount(shape);
        if (expected != count) {
            throw new IllegalArgumentException("tensor " + name + ": " + count + " values for shape " + Arrays.toString(shape) + " (expected " + expected + ")");
        }
    }
}
