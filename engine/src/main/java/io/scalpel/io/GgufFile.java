package io.scalpel.io;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open GGUF file: its parsed header and the mapping its tensors are sliced from. Obtained from
 * {@link GgufReader#open}; valid while the arena that mapped it is open.
 */
public final class GgufFile {
    private final Path path;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long alignment;
    private final long dataStart;
    private final MemorySegment mapping;

    GgufFile(Path path, int version, GgufMetadata metadata, List<GgufTensorInfo> tensors,
             long alignment, long dataStart, MemorySegment mapping) {
        this.path = path;
        this.version = version;
        this.metadata = metadata;
        this.tensors = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) this.tensors.put(t.name(), t);
        this.alignment = alignment;
        this.dataStart = dataStart;
        this.mapping = mapping;
    }

    public Path path() { return path; }

    public int version() { return version; }

    public GgufMetadata metadata() { return metadata; }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensorInfos() { return List.copyOf(tensors.values()); }

    public GgufTensorInfo tensorInfo(String name) { return tensors.get(name); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    public long alignment() { return alignment; }

    /** File offset where the tensor data section starts. */
    public long dataStart() { return dataStart; }

    /** The whole file, mapped read-only. */
    public MemorySegment mapping() { return mapping; }

    /**
     * The named tensor, row-major with shape [rows, cols]: a zero-copy slice of the mapping, in the file's
     * encoding — quantized types (Q8_0, Q4_0, Q4_K, Q6_K) stay quantized, so memory is the file's size. Any
     * other type fails with a {@link CheckpointException} naming the file and tensor. ({@code arena} is
     * kept for callers; nothing is allocated from it.)
     */
    public Tensor tensor(String name, Arena arena) {
        GgufTensorInfo info = tensors.get(name);
        if (info == null) throw new CheckpointException(path, "no tensor named " + name);
        MemorySegment bytes = mapping.asSlice(info.offset(), info.byteSize());
        DType dtype = info.type().dtype();
        if (dtype == null) {
            throw new CheckpointException(path, "tensor " + name + " has ggml type " + info.type()
                    + ", which Scalpel cannot load (supported: " + GgmlType.loadable() + ")");
        }
        return new Tensor(name, dtype, info.shape(), bytes);
    }

    /** Every tensor, in file order, as {@link #tensor} gives them. */
    public Map<String, Tensor> tensors(Arena arena) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : tensors.keySet()) out.put(name, tensor(name, arena));
        return out;
    }

    @Override public String toString() {
        return "GGUF v" + version + " " + path + " (" + tensors.size() + " tensors, " + metadata.values().size() + " metadata keys)";
    }
}
