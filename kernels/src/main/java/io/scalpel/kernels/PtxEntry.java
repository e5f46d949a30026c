package io.scalpel.kernels;

import java.util.List;

/**
 * One kernel entry point of a PTX module: its name and its parameters' PTX types in order
 * (".u64" for pointers and 64-bit integers, ".u32" for int, ".f32" for float, ".f64" for double).
 */
public record PtxEntry(String name, List<String> paramTypes) {
    public PtxEntry {
        paramTypes = List.copyOf(paramTypes);
    }
}
