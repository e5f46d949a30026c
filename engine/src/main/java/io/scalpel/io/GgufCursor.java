package io.scalpel.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads little-endian GGUF header fields in sequence from a mapped file. Every read is bounds-checked
 * first, so a truncated or corrupt header becomes a one-line {@link CheckpointException} instead of an
 * {@link IndexOutOfBoundsException} or a huge allocation driven by a garbage length.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FileBounds bounds;
    private final MemorySegment data;
    private long position;
    /** What is being read, for error messages ("metadata key general.name"). */
    private String context = "header";

    GgufCursor(Path file, MemorySegment data) {
        this.bounds = new FileBounds(file, data.byteSize());
        this.data = data;
    }

    long position() { return position; }

    long remaining() { return data.byteSize() - position; }

    void setContext(String context) { this.context = context; }

    /** The file's size and the checks every number read from it goes through. */
    FileBounds bounds() { return bounds; }

    CheckpointException error(String problem) {
        return bounds.error(problem);
    }

    /** Fails unless {@code bytes} more bytes exist. */
    void require(long bytes) {
        if (bytes < 0 || bytes > remaining()) {
            throw error("truncated: " + context + " needs " + (bytes < 0 ? "an impossible number of" : String.valueOf(bytes))
                    + " bytes at offset " + position + " but the file has " + data.byteSize() + " bytes");
        }
    }

    int u8() { require(1); return data.get(ValueLayout.JAVA_BYTE, position++) & 0xFF; }

    int i8() { require(1); return data.get(ValueLayout.JAVA_BYTE, position++); }

    int u16() { return i16() & 0xFFFF; }

    int i16() { require(2); short v = data.get(I16, position); position += 2; return v; }

    int i32() { require(4); int v = data.get(I32, position); position += 4; return v; }

    long u32() { return i32() & 0xFFFFFFFFL; }

    long i64() { require(8); long v = data.get(I64, position); position += 8; return v; }

    float f32() { require(4); float v = data.get(F32, position); position += 4; return v; }

    double f64() { require(8); double v = data.get(F64, position); position += 8; return v; }

    boolean bool() {
        int b = u8();
        if (b > 1) throw error(context + ": bool value " + b + " at offset " + (position - 1) + " is neither 0 nor 1");
        return b == 1;
    }

    /** A count (uint64) that must be small enough for {@code minBytesEach} bytes per item to fit in the file. */
    long count(long minBytesEach) {
        long n = i64();
        return bounds.count(context + " (at offset " + (position - 8) + ")", n, minBytesEach, remaining());
    }

    /** A GGUF string: uint64 length then UTF-8 bytes (invalid sequences become U+FFFD). */
    String string() {
        long n = i64();
        if (n < 0 || n > remaining()) {
            throw error("truncated or corrupt: " + context + " is a string of " + Long.toUnsignedString(n) + " bytes at offset "
                    + (position - 8) + ", more than the " + remaining() + " bytes left");
        }
        byte[] bytes = new byte[bounds.toInt(context + ": string length", n)];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, position, bytes, 0, bytes.length);
        position += n;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    void skipTo(long newPosition) {
        if (newPosition > data.byteSize()) {
            throw error("truncated: " + context + " would start at offset " + newPosition + " but the file has " + data.byteSize() + " bytes");
        }
        position = newPosition;
    }
}
