package io.scalpel.backend.cpu;

import io.scalpel.backend.Buffer;

/** A view of a heap float array: the CPU backend's activations. */
record CpuBuffer(float[] array, int offset, int length32) implements Buffer {

    static CpuBuffer of(Buffer b) {
        if (b instanceof CpuBuffer c) return c;
        throw new IllegalArgumentException("buffer " + b + " does not belong to the CPU backend");
    }

    @Override public long length() { return length32; }

    @Override public CpuBuffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > length32) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + length) + ") of a buffer of " + length32);
        }
        return new CpuBuffer(array, this.offset + (int) offset, (int) length);
    }

    @Override public void close() {}
}
