package io.scalpel.io;

import java.nio.file.Path;

/**
 * The one place container parsers check numbers read from a file before they use them: every count,
 * length, offset and shape product is checked against the file's size (and for 64-bit overflow) before
 * anything is sliced or allocated, so a corrupt field ends as a one-line {@link CheckpointException}
 * naming the file instead of an {@link ArithmeticException}, an {@link OutOfMemoryError} or a fault
 * on the mapping.
 *
 * @param file what messages name
 * @param size the file's length in bytes, taken when it was opened
 */
public record FileBounds(Path file, long size) {

    public FileBounds {
        if (size < 0) throw new IllegalArgumentException("negative file size " + size);
    }

    /** A one-line error naming the file. */
    public CheckpointException error(String problem) {
        return new CheckpointException(file, problem);
    }

    /** The number of elements of {@code shape}; fails when a dimension is negative or the product overflows 64 bits. */
    public long elements(String what, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw error(what + ": negative dimension " + d + " in shape " + java.util.Arrays.toString(shape));
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw error(what + ": shape " + java.util.Arrays.toString(shape) + " has more elements than 64 bits can count");
            }
        }
        return n;
    }

    /** {@code count × bytesEach}, which must fit in the file. */
    public long bytes(String what, long count, long bytesEach) {
        if (count < 0 || bytesEach < 0) throw error(what + ": negative size " + count + " × " + bytesEach);
        if (bytesEach != 0 && count > size / bytesEach) {
            throw error(what + ": " + Long.toUnsignedString(count) + " × " + bytesEach + " bytes is more than the whole file ("
                    + size + " bytes)");
        }
        return count * bytesEach;
    }

    /** The bytes of a tensor of {@code shape} with {@code bytesEach} bytes per element, which must fit in the file. */
    public long tensorBytes(String what, long[] shape, long bytesEach) {
        return bytes(what, elements(what, shape), bytesEach);
    }

    /** Fails unless {@code [offset, offset + length)} lies inside the file. */
    public void requireRange(String what, long offset, long length) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw error("truncated or corrupt: " + what + " needs bytes [" + Long.toUnsignedString(offset) + ", +"
                    + Long.toUnsignedString(length) + ") but the file has " + size + " bytes");
        }
    }

    /** {@code a + b} for two sizes or offsets, refusing overflow. */
    public long add(String what, long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw error(what + ": offset " + a + " + " + b + " overflows 64 bits");
        }
    }

    /**
     * A count of items read from the file, each taking at least {@code minBytesEach} of the
     * {@code bytesLeft} still unread: a larger count cannot be honest, and sizing an array by it
     * would exhaust memory.
     */
    public long count(String what, long n, long minBytesEach, long bytesLeft) {
        if (n < 0 || (minBytesEach > 0 && n > bytesLeft / minBytesEach)) {
            throw error("truncated or corrupt: " + what + " claims " + Long.toUnsignedString(n) + " entries, more than the "
                    + bytesLeft + " bytes left can hold");
        }
        return n;
    }

    /** {@code n} as an int for a Java array or index; fails naming {@code what} when it is larger. */
    public int toInt(String what, long n) {
        if (n < 0 || n > Integer.MAX_VALUE - 8) throw error(what + ": " + Long.toUnsignedString(n) + " is too large");
        return (int) n;
    }
}
