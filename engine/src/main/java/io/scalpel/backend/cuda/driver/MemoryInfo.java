package io.scalpel.backend.cuda.driver;

/** {@code cuMemGetInfo}: free and total device memory of the current context's device, bytes. */
public record MemoryInfo(long free, long total) {}
