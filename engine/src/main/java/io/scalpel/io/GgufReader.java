package io.scalpel.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens GGUF files (versions 2 and 3, little-endian). The file is memory-mapped, never read onto the heap,
 * so files larger than 2 GB work and tensors are zero-copy slices. The header (metadata and tensor infos)
 * is parsed eagerly and validated: every tensor's data must lie inside the file.
 *
 * <p>Layout: magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata count, the metadata
 * key/values, the tensor infos, padding to {@code general.alignment} (default 32), then the tensor data.
 */
public final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    private static final int MAX_DIMS = 4;
    /** Smallest GGUF: magic, version, two counts. */
    private static final int MIN_HEADER_BYTES = 24;

    // Metadata value type tags (gguf_type).
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
            BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private GgufReader() {}

    /**
     * Maps {@code file} into {@code arena} and parses its header. The returned file's tensors stay valid
     * while the arena is open.
     *
     * @throws CheckpointException if the file is missing, unreadable, truncated or malformed
     */
    public static GgufFile open(Path file, Arena arena) {
        MemorySegment mapping = map(file, arena);
        GgufCursor in = new GgufCursor(file, mapping);

        int magic = in.i32();
        if (magic != MAGIC) {
            throw in.error(String.format("not a GGUF file (magic bytes %08x, expected 47475546 \"GGUF\")", Integer.reverseBytes(magic)));
        }
        int version = in.i32();
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            if (swapped == 2 || swapped == 3) throw in.error("big-endian GGUF v" + swapped + " is not supported");
            throw in.error("GGUF version " + Integer.toUnsignedString(version) + " is not supported (2 and 3 are)");
        }
        in.setContext("tensor count");
        long tensorCount = in.count(8 + 4 + 8 + 8); // name length, n_dims, type, offset
        in.setContext("metadata count");
        long metadataCount = in.count(8 + 4);     // key length, value type

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {
            in.setContext("metadata key #" + i);
            String key = in.string();
            in.setContext("metadata " + key);
            int type = in.i32();
            if (metadata.put(key, readValue(in, type, 0)) != null) throw in.error("metadata key " + key + " appears twice");
        }
        GgufMetadata meta = new GgufMetadata(metadata);
        long alignment = alignment(in, meta);

        List<RawInfo> raw = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            in.setContext("tensor info #" + i);
            String name = in.string();
            in.setContext("tensor " + name + " info");
            if (!names.add(name)) throw in.error("tensor " + name + " appears twice");
            int nDims = in.i32();
            if (nDims < 1 || nDims > MAX_DIMS) throw in.error("tensor " + name + " has " + nDims + " dimensions (1 to " + MAX_DIMS + " allowed)");
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.i64();
                if (ne[d] < 0) throw in.error("tensor " + name + " has negative dimension " + ne[d]);
            }
            int typeId = in.i32();
            long offset = in.i64();
            raw.add(new RawInfo(name, ne, typeId, offset));
        }
        long dataStart = alignUp(in.position(), alignment);

        List<GgufTensorInfo> tensors = new ArrayList<>(raw.size());
        for (RawInfo r : raw) tensors.add(toInfo(in, r, dataStart, alignment, mapping.byteSize()));
        DataSectionLayout.requireAlignedInOrder(in.bounds(), tensors.stream()
                .map(t -> new DataSectionLayout.Extent(t.name(), t.offset() - dataStart, t.offset() - dataStart + t.byteSize())).toList(),
                alignment, mapping.byteSize() - dataStart);
        return new GgufFile(file, version, meta, tensors, alignment, dataStart, mapping);
    }

    private record RawInfo(String name, long[] ne, int typeId, long relativeOffset) {}

    private static GgufTensorInfo toInfo(GgufCursor in, RawInfo r, long dataStart, long alignment, long fileSize) {
        GgmlType type = GgmlType.fromId(r.typeId);
        if (type == null) throw in.error("tensor " + r.name + " has unknown ggml type id " + r.typeId);
        if (r.ne[0] % type.blockSize() != 0) {
            throw in.error("tensor " + r.name + " of type " + type + " has " + r.ne[0] + " columns, not a multiple of its block size " + type.blockSize());
        }
        if (r.relativeOffset < 0 || r.relativeOffset % alignment != 0) {
            throw in.error("tensor " + r.name + " data offset " + Long.toUnsignedString(r.relativeOffset) + " is not a multiple of the alignment " + alignment);
        }
        long[] shape = new long[r.ne.length];
        for (int d = 0; d < shape.length; d++) shape[d] = r.ne[r.ne.length - 1 - d];
        long bytes;
        long start;
        long end;
        try {
            long elements = in.bounds().elements("tensor " + r.name, r.ne);
            bytes = type.byteSize(elements);
            start = Math.addExact(dataStart, r.relativeOffset);
            end = Math.addExact(start, bytes);
        } catch (ArithmeticException e) {
            throw in.error("tensor " + r.name + " has a size or offset that overflows 64 bits");
        }
        if (end > fileSize) {
            throw in.error("tensor " + r.name + " data [" + start + ", " + end + ") lies past the end of the file (" + fileSize + " bytes)");
        }
        return new GgufTensorInfo(r.name, type, shape, start, bytes);
    }

    private static long alignment(GgufCursor in, GgufMetadata meta) {
        Object a = meta.get("general.alignment");
        if (a == null) return DEFAULT_ALIGNMENT;
        if (!(a instanceof Integer || a instanceof Long)) throw in.error("general.alignment is not an integer: " + a);
        long v = ((Number) a).longValue();
        if (v <= 0 || Long.bitCount(v) != 1) throw in.error("general.alignment " + v + " is not a positive power of two");
        return v;
    }

    static long alignUp(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    private static Object readValue(GgufCursor in, int type, int depth) {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> in.i8();
            case UINT16 -> in.u16();
            case INT16 -> in.i16();
            case UINT32 -> in.u32();
            case INT32 -> in.i32();
            case FLOAT32 -> in.f32();
            case BOOL -> in.bool();
            case STRING -> in.string();
            case ARRAY -> readArray(in, depth);
            case UINT64, INT64 -> in.i64();
            case FLOAT64 -> in.f64();
            default -> throw in.error("metadata value has unknown type " + type + " at offset " + (in.position() - 4));
        };
    }

    private static Object readArray(GgufCursor in, int depth) {
        // Nested arrays are legal but never deep in practice; the bound stops a corrupt file recursing forever.
        if (depth > 8) throw in.error("arrays nested more than 8 deep");
        int elementType = in.i32();
        int n = in.bounds().toInt("array length", in.count(elementBytes(in, elementType)));
        switch (elementType) {
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = ((Number) readValue(in, elementType, depth)).intValue();
                return a;
            }
            case UINT32, UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = ((Number) readValue(in, elementType, depth)).longValue();
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = in.f32();
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = in.f64();
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = in.bool();
                return a;
            }
            case STRING -> {
                List<String> a = new ArrayList<>(n);
                for (int i = 0; i < n; i++) a.add(in.string());
                return List.copyOf(a);
            }
            default -> {
                List<Object> a = new ArrayList<>(n);
                for (int i = 0; i < n; i++) a.add(readValue(in, elementType, depth + 1));
                return List.copyOf(a);
            }
        }
    }

    /** Fewest bytes one element of the type can take, to bound a claimed array length by the bytes left. */
    private static long elementBytes(GgufCursor in, int type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64, STRING -> 8;
            case ARRAY -> 12;
            default -> throw in.error("array has unknown element type " + type + " at offset " + (in.position() - 4));
        };
    }

    private static MemorySegment map(Path file, Arena arena) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < MIN_HEADER_BYTES) {
                throw new CheckpointException(file, "truncated: " + size + " bytes, shorter than a GGUF header (" + MIN_HEADER_BYTES + ")");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file");
        } catch (IOException e) {
            if (Files.isDirectory(file)) throw new CheckpointException(file, "is a directory, not a GGUF file");
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
