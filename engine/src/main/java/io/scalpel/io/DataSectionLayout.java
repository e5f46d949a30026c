package io.scalpel.io;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks how a container's tensors tile its data section, after each tensor's own size was checked
 * against its dtype × shape. A tensor overlapping another, a gap between tensors or bytes no tensor
 * claims mean the header does not describe the data (a shifted header length, a changed dtype, an
 * edited offset), and reading on would give garbage weights without an error.
 */
final class DataSectionLayout {
    private DataSectionLayout() {}

    /** One tensor's bytes, relative to the start of the data section. */
    record Extent(String name, long begin, long end) {}

    /**
     * Safetensors (as the reference implementation checks): sorted by offset, the tensors cover the
     * data section exactly — the first starts at 0, each starts where the previous ended, the last
     * ends at the end of the file.
     */
    static void requireContiguous(FileBounds bounds, List<Extent> extents, long dataSize) {
        List<Extent> sorted = new ArrayList<>(extents);
        sorted.sort(Comparator.comparingLong(Extent::begin).thenComparingLong(Extent::end));
        long expected = 0;
        Extent previous = null;
        for (Extent e : sorted) {
            if (e.begin() < expected) {
                throw bounds.error("tensor " + e.name() + " data [" + e.begin() + ", " + e.end() + ") overlaps tensor "
                        + previous.name() + " [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (e.begin() > expected) {
                throw bounds.error("gap of " + (e.begin() - expected) + " bytes before tensor " + e.name() + " (data offset "
                        + e.begin() + ", expected " + expected + "); the header does not describe the data");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataSize) {
            throw bounds.error((dataSize - expected) + " bytes after the last tensor that no tensor claims (data section "
                    + dataSize + " bytes, tensors end at " + expected + "); the header does not describe the data");
        }
    }

    /**
     * GGUF (as llama.cpp checks): in file order, each tensor starts at the previous one's end rounded
     * up to the alignment, the first at 0; the data may be followed by padding.
     */
    static void requireAlignedInOrder(FileBounds bounds, List<Extent> extents, long alignment, long dataSize) {
        long expected = 0;
        for (Extent e : extents) {
            if (e.begin() != expected) {
                throw bounds.error("tensor " + e.name() + " data offset " + e.begin() + " is not where the tensors before it end ("
                        + expected + "): " + (e.begin() < expected ? "it overlaps them" : "a gap of " + (e.begin() - expected) + " bytes")
                        + "; a changed type, shape or offset?");
            }
            expected = GgufReader.alignUp(e.end(), alignment);
        }
        if (!extents.isEmpty() && extents.getLast().end() > dataSize) {
            throw bounds.error("tensor data ends at " + extents.getLast().end() + " but the data section has " + dataSize + " bytes");
        }
    }
}
