package io.scalpel.ptx;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The emulated device's global memory: allocations at distinct, 256-byte-aligned addresses, each backed by a
 * heap array, with a shadow bit per byte recording whether it was ever written (for initcheck). An address
 * inside no live allocation is a memcheck error; freed ranges are never reused, so a use after free is one too.
 */
public final class DeviceMemory {

    /** First global address handed out; chosen so small integers and null are never valid. */
    static final long GLOBAL_BASE = 0x7F00_0000_0000L;
    /** Generic addresses in [SHARED_WINDOW, SHARED_WINDOW + 4 GiB) refer to the block's shared memory. */
    static final long SHARED_WINDOW = 0x1000_0000_0000L;
    private static final long ALIGN = 256;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** One live allocation. */
    static final class Allocation {
        final long base;
        final byte[] bytes;
        /** One bit per byte: written since allocation (by a copy, memset or kernel store). */
        final long[] written;

        Allocation(long base, int size) {
            this.base = base;
            this.bytes = new byte[size];
            this.written = new long[(size + 63) / 64];
        }

        long end() { return base + bytes.length; }

        void markWritten(int offset, int length) {
            for (int i = offset; i < offset + length; ) {
                if ((i & 63) == 0 && i + 64 <= offset + length) { written[i >>> 6] = -1L; i += 64; }
                else { written[i >>> 6] |= 1L << (i & 63); i++; }
            }
        }

        /** Offset of the first never-written byte in [offset, offset+length), or -1. */
        int firstUnwritten(int offset, int length) {
            for (int i = offset; i < offset + length; i++) if ((written[i >>> 6] & (1L << (i & 63))) == 0) return i;
            return -1;
        }
    }

    private Allocation[] live = new Allocation[0];
    private long next = GLOBAL_BASE;
    private long bytesInUse;

    /** Allocates {@code bytes} (contents unspecified: zero here, but initcheck treats them as unwritten). */
    public synchronized long allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("allocation of " + bytes + " bytes");
        if (bytes > Integer.MAX_VALUE - 64) throw new OutOfMemoryError("the interpreter backs each allocation by one Java array; " + bytes + " bytes is too many");
        if (bytesInUse + bytes > DeviceLimits.GLOBAL_MEMORY_BYTES) throw new OutOfMemoryError("out of emulated device memory");
        Allocation a = new Allocation(next, (int) bytes);
        next += (bytes + ALIGN - 1) / ALIGN * ALIGN + ALIGN; // a gap after each, so overruns never land in a neighbour
        Allocation[] grown = Arrays.copyOf(live, live.length + 1);
        grown[live.length] = a;
        live = grown;
        bytesInUse += bytes;
        return a.base;
    }

    public synchronized void free(long address) {
        for (int i = 0; i < live.length; i++) {
            if (live[i].base == address) {
                bytesInUse -= live[i].bytes.length;
                Allocation[] shrunk = new Allocation[live.length - 1];
                System.arraycopy(live, 0, shrunk, 0, i);
                System.arraycopy(live, i + 1, shrunk, i, live.length - i - 1);
                live = shrunk;
                return;
            }
        }
        throw new IllegalArgumentException(String.format("free of 0x%x, which is no live allocation", address));
    }

    public synchronized long bytesInUse() { return bytesInUse; }

    /** The allocation holding [address, address+length), or null. Allocations are sorted by base. */
    Allocation find(long address, long length) {
        Allocation[] a = live;
        int lo = 0, hi = a.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Allocation m = a[mid];
            if (address < m.base) hi = mid - 1;
            else if (address >= m.end()) lo = mid + 1;
            else return address + length <= m.end() ? m : null;
        }
        return null;
    }

    private Allocation require(long address, long length, String what) {
        Allocation a = find(address, length);
        if (a == null) throw new IllegalArgumentException(String.format("%s of %d bytes at 0x%x is outside every allocation", what, length, address));
        return a;
    }

    public void copyFromHost(long dst, MemorySegment src, long bytes) {
        Allocation a = require(dst, bytes, "copy to device");
        int off = (int) (dst - a.base);
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, a.bytes, off, (int) bytes);
        a.markWritten(off, (int) bytes);
    }

    public void copyToHost(MemorySegment dst, long src, long bytes) {
        Allocation a = require(src, bytes, "copy from device");
        MemorySegment.copy(a.bytes, (int) (src - a.base), dst, ValueLayout.JAVA_BYTE, 0, (int) bytes);
    }

    public void copyDeviceToDevice(long dst, long src, long bytes) {
        Allocation s = require(src, bytes, "device copy source");
        Allocation d = require(dst, bytes, "device copy destination");
        int so = (int) (src - s.base), off = (int) (dst - d.base);
        System.arraycopy(s.bytes, so, d.bytes, off, (int) bytes);
        for (int i = 0; i < bytes; i++) {
            if ((s.written[(so + i) >>> 6] & (1L << ((so + i) & 63))) != 0) d.written[(off + i) >>> 6] |= 1L << ((off + i) & 63);
            else d.written[(off + i) >>> 6] &= ~(1L << ((off + i) & 63));
        }
    }

    /** Sets {@code count} elements of {@code elementBytes} (1, 2 or 4) to the low bits of {@code value}. */
    public void memset(long dst, long value, int elementBytes, long count) {
        long bytes = count * elementBytes;
        Allocation a = require(dst, bytes, "memset");
        int off = (int) (dst - a.base);
        for (long i = 0; i < count; i++) store(a.bytes, off + (int) (i * elementBytes), elementBytes, value);
        a.markWritten(off, (int) bytes);
    }

    static long load(byte[] b, int off, int size) {
        return switch (size) {
            case 1 -> b[off] & 0xFFL;
            case 2 -> (short) I16.get(b, off) & 0xFFFFL;
            case 4 -> (int) I32.get(b, off) & 0xFFFF_FFFFL;
            default -> (long) I64.get(b, off);
        };
    }

    static void store(byte[] b, int off, int size, long v) {
        switch (size) {
            case 1 -> b[off] = (byte) v;
            case 2 -> I16.set(b, off, (short) v);
            case 4 -> I32.set(b, off, (int) v);
            default -> I64.set(b, off, v);
        }
    }
}
