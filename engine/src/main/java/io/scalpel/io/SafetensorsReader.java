package io.scalpel.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads Hugging Face safetensors files by memory-mapping them: an 8-byte little-endian header
 * length, a JSON header, then raw little-endian tensor data. Tensors are zero-copy slices of the
 * mapping, valid while the caller's {@link Arena} is open; files over 2 GB work. Sharded checkpoints
 * ({@code model.safetensors.index.json}) are read through {@link #openDirectory}.
 */
public final class SafetensorsReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Strict for headers: a duplicate key or anything after the object is a corrupt file, not something to guess around. */
    private static final ObjectMapper HEADER_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final long MAX_HEADER = 100L << 20;

    private SafetensorsReader() {}

    /** Tensors and {@code __metadata__} of one or more files. */
    public record SafetensorsFile(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Tensor tensor(String name) { return tensors.get(name); }
    }

    /**
     * Reads one {@code .safetensors} file and checks its structure: the header is exactly one JSON
     * object (no duplicate keys, nothing but padding spaces after it), each tensor's byte range
     * matches its dtype × shape, and the tensors tile the data section with no overlap, gap or
     * unclaimed bytes.
     */
    public static SafetensorsFile open(Path file, Arena arena) {
        MemorySegment map = mapFile(file, arena);
        long size = map.byteSize();
        FileBounds bounds = new FileBounds(file, size);
        if (size < 8) throw bounds.error("truncated safetensors file (" + size + " bytes, no header length)");
        long headerLen = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
            throw bounds.error("bad safetensors header length " + headerLen + " (file is " + size + " bytes)");
        }
        String headerText = new String(map.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = HEADER_JSON.readTree(headerText);
        } catch (IOException e) {
            throw bounds.error("safetensors header (" + headerLen + " bytes) is not one valid JSON object: " + firstLine(e.getMessage()));
        }
        if (header == null || !header.isObject()) throw bounds.error("safetensors header is not a JSON object");
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<DataSectionLayout.Extent> extents = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode info = e.getValue();
            if (name.equals("__metadata__")) {
                if (!info.isObject()) throw bounds.error("__metadata__ is not a JSON object");
                for (Iterator<Map.Entry<String, JsonNode>> m = info.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw bounds.error("__metadata__ value of " + kv.getKey() + " is not a string");
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            tensors.put(name, parseTensor(bounds, name, info, map, dataStart, dataSize, extents));
        }
        DataSectionLayout.requireContiguous(bounds, extents, dataSize);
        return new SafetensorsFile(Map.copyOf(tensors), Map.copyOf(metadata));
    }

    private static Tensor parseTensor(FileBounds bounds, String name, JsonNode info, MemorySegment map, long dataStart, long dataSize,
                                      List<DataSectionLayout.Extent> extents) {
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsets == null || !dtypeNode.isTextual() || !shapeNode.isArray()
                || !offsets.isArray() || offsets.size() != 2) {
            throw bounds.error("tensor " + name + ": header entry needs dtype, shape and data_offsets [begin, end]");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeNode.asText());
        } catch (IllegalArgumentException ex) {
            throw bounds.error("tensor " + name + ": " + ex.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = wholeNumber(shapeNode.get(i));
            if (shape[i] < 0) throw bounds.error("tensor " + name + ": negative or non-integer dimension in shape " + shapeNode);
        }
        long begin = wholeNumber(offsets.get(0)), end = wholeNumber(offsets.get(1));
        if (begin < 0 || end < begin || end > dataSize) {
            throw bounds.error("tensor " + name + ": data_offsets " + offsets + " run past the end of the data (" + dataSize + " bytes)");
        }
        long expected = bounds.tensorBytes("tensor " + name, shape, dtype.bytes());
        if (end - begin != expected) {
            throw bounds.error("tensor " + name + ": " + (end - begin) + " bytes for shape " + shapeNode
                    + " of " + dtype + " (expected " + expected + ")");
        }
        extents.add(new DataSectionLayout.Extent(name, begin, end));
        return new Tensor(name, dtype, shape, map.asSlice(dataStart + begin, expected));
    }

    /** A JSON integer as a long, or -1 for anything else (a fraction, a string, an integer past 64 bits). */
    private static long wholeNumber(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() ? n.asLong() : -1;
    }

    /**
     * Reads a Hugging Face model directory: {@code model.safetensors.index.json} and its shards when
     * present, else {@code model.safetensors}, else every {@code *.safetensors} in the folder.
     */
    public static SafetensorsFile openDirectory(Path dir, Arena arena) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(index)) return openSharded(index, arena);
        Path single = dir.resolve("model.safetensors");
        if (Files.exists(single)) return open(single, arena);
        try (var files = Files.list(dir)) {
            var shards = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (shards.isEmpty()) throw new CheckpointException(dir, "no model.safetensors, index or *.safetensors file in this directory");
            return merge(dir, shards.stream().map(p -> open(p, arena)).toList());
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot list directory: " + e.getMessage());
        }
    }

    private static SafetensorsFile openSharded(Path index, Arena arena) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(index, "not valid JSON: " + firstLine(e.getMessage()));
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) throw new CheckpointException(index, "missing weight_map");
        Set<String> shardNames = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw new CheckpointException(index, "weight_map entry " + e.getKey() + " is not a file name");
            shardNames.add(e.getValue().asText());
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        for (String s : shardNames) shards.put(s, open(shardPath(index, s), arena));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Tensor t = shards.get(e.getValue().asText()).tensor(e.getKey());
            if (t == null) throw new CheckpointException(shardPath(index, e.getValue().asText()), "tensor " + e.getKey() + " listed in the index is missing from this shard");
            tensors.put(e.getKey(), t);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        shards.values().forEach(s -> metadata.putAll(s.metadata()));
        return new SafetensorsFile(Map.copyOf(tensors), Map.copyOf(metadata));
    }

    /**
     * A shard named by the index: a plain file name inside the model directory. An absolute path, a
     * {@code ..} or a NUL would let a downloaded index make us open any file on the machine.
     */
    static Path shardPath(Path index, String name) {
        Path dir = index.toAbsolutePath().getParent();
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.chars().anyMatch(Character::isISOControl)) {
            throw new CheckpointException(index, "shard name " + printable(name) + " is empty or holds control characters");
        }
        Path resolved;
        try {
            resolved = dir.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new CheckpointException(index, "shard name " + printable(name) + " is not a valid path");
        }
        if (Path.of(name).isAbsolute() || !resolved.startsWith(dir.normalize()) || resolved.equals(dir.normalize())) {
            throw new CheckpointException(index, "shard " + printable(name) + " lies outside the model directory " + dir);
        }
        return resolved;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.chars().limit(200).forEach(c -> b.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return b.append('"').toString();
    }

    private static SafetensorsFile merge(Path dir, java.util.List<SafetensorsFile> files) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            for (var t : f.tensors().entrySet()) {
                if (tensors.put(t.getKey(), t.getValue()) != null) throw new CheckpointException(dir, "tensor " + t.getKey() + " is in more than one *.safetensors file");
            }
            metadata.putAll(f.metadata());
        }
        return new SafetensorsFile(Map.copyOf(tensors), Map.copyOf(metadata));
    }

    /** Maps a whole file read-only into {@code arena}; one-line errors for missing or unreadable files. */
    public static MemorySegment mapFile(Path file, Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file");
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage());
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
