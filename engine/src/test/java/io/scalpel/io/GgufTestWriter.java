package io.scalpel.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small GGUF files for tests, including deliberately broken ones. */
final class GgufTestWriter {
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private record TensorEntry(String name, int typeId, long[] ne, byte[] data, long offsetOverride) {}

    private final int magic;
    private final int version;
    private final ByteArrayOutputStream metadata = new ByteArrayOutputStream();
    private int metadataCount;
    private final List<TensorEntry> tensors = new ArrayList<>();
    private int alignment = 32;

    GgufTestWriter(int version) { this(GgufReader.MAGIC, version); }

    GgufTestWriter(int magic, int version) {
        this.magic = magic;
        this.version = version;
    }

    /** A key whose value is already encoded (type tag written by the caller via {@link Value}). */
    GgufTestWriter meta(String key, Value value) {
        writeString(metadata, key);
        metadata.writeBytes(value.bytes.toByteArray());
        metadataCount++;
        return this;
    }

    GgufTestWriter alignment(int alignment) {
        this.alignment = alignment;
        return meta("general.alignment", Value.u32(alignment));
    }

    /** A tensor with ggml dims {@code ne} (fastest first) and raw data, placed at the next aligned offset. */
    GgufTestWriter tensor(String name, int typeId, long[] ne, byte[] data) {
        tensors.add(new TensorEntry(name, typeId, ne, data, -1));
        return this;
    }

    /** A tensor info whose data offset is given (possibly past the end), with no data written. */
    GgufTestWriter tensorAt(String name, int typeId, long[] ne, long relativeOffset) {
        tensors.add(new TensorEntry(name, typeId, ne, new byte[0], relativeOffset));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeInt(out, magic);
        writeInt(out, version);
        writeLong(out, tensors.size());
        writeLong(out, metadataCount);
        out.writeBytes(metadata.toByteArray());
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (TensorEntry t : tensors) {
            long at = t.offsetOverride >= 0 ? t.offsetOverride : offset;
            offsets.add(at);
            if (t.offsetOverride < 0) offset = GgufReader.alignUp(at + t.data.length, alignment);
            writeString(out, t.name);
            writeInt(out, t.ne.length);
            for (long d : t.ne) writeLong(out, d);
            writeInt(out, t.typeId);
            writeLong(out, at);
        }
        long dataStart = GgufReader.alignUp(out.size(), alignment);
        out.writeBytes(new byte[(int) (dataStart - out.size())]);
        for (int i = 0; i < tensors.size(); i++) {
            TensorEntry t = tensors.get(i);
            if (t.offsetOverride >= 0) continue;
            long pad = dataStart + offsets.get(i) - out.size();
            out.writeBytes(new byte[(int) pad]);
            out.writeBytes(t.data);
        }
        return out.toByteArray();
    }

    Path write(Path file) {
        try {
            return Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One encoded metadata value: type tag then payload. */
    static final class Value {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        private Value(int type) { writeInt(bytes, type); }

        static Value u8(int v) { Value x = new Value(UINT8); x.bytes.write(v); return x; }
        static Value i8(int v) { Value x = new Value(INT8); x.bytes.write(v); return x; }
        static Value u16(int v) { Value x = new Value(UINT16); writeShort(x.bytes, v); return x; }
        static Value i16(int v) { Value x = new Value(INT16); writeShort(x.bytes, v); return x; }
        static Value u32(long v) { Value x = new Value(UINT32); writeInt(x.bytes, (int) v); return x; }
        static Value i32(int v) { Value x = new Value(INT32); writeInt(x.bytes, v); return x; }
        static Value u64(long v) { Value x = new Value(UINT64); writeLong(x.bytes, v); return x; }
        static Value i64(long v) { Value x = new Value(INT64); writeLong(x.bytes, v); return x; }
        static Value f32(float v) { Value x = new Value(FLOAT32); writeInt(x.bytes, Float.floatToRawIntBits(v)); return x; }
        static Value f64(double v) { Value x = new Value(FLOAT64); writeLong(x.bytes, Double.doubleToRawLongBits(v)); return x; }
        static Value bool(boolean v) { Value x = new Value(BOOL); x.bytes.write(v ? 1 : 0); return x; }
        static Value string(String v) { Value x = new Value(STRING); writeString(x.bytes, v); return x; }

        static Value strings(String... v) {
            Value x = new Value(ARRAY);
            writeInt(x.bytes, STRING);
            writeLong(x.bytes, v.length);
            for (String s : v) writeString(x.bytes, s);
            return x;
        }

        static Value i32s(int... v) {
            Value x = new Value(ARRAY);
            writeInt(x.bytes, INT32);
            writeLong(x.bytes, v.length);
            for (int i : v) writeInt(x.bytes, i);
            return x;
        }

        static Value f32s(float... v) {
            Value x = new Value(ARRAY);
            writeInt(x.bytes, FLOAT32);
            writeLong(x.bytes, v.length);
            for (float f : v) writeInt(x.bytes, Float.floatToRawIntBits(f));
            return x;
        }

        /** An array of arrays of int32. */
        static Value nested(int[]... rows) {
            Value x = new Value(ARRAY);
            writeInt(x.bytes, ARRAY);
            writeLong(x.bytes, rows.length);
            for (int[] row : rows) {
                writeInt(x.bytes, INT32);
                writeLong(x.bytes, row.length);
                for (int i : row) writeInt(x.bytes, i);
            }
            return x;
        }

        /** A type tag with no valid meaning, to test the reader's error. */
        static Value unknownType(int tag) { return new Value(tag); }
    }

    static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    static void writeLong(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeLong(out, b.length);
        out.writeBytes(b);
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] shorts(short... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) b.putShort(s);
        return b.array();
    }
}
