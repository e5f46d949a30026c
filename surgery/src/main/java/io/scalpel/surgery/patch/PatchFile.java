package io.scalpel.surgery.patch;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A patch on disk: one safetensors file with tensors {@code direction} (F32 [hidden]) and
 * {@code rows} (I32 [K, 2]), and metadata strings for α, K, the probe layer and the model identity.
 * A Llama-2-7B patch is 4096 × 4 + 16384 × 8 bytes ≈ 150 KB.
 */
public final class PatchFile {
    static final String FORMAT = "scalpel-patch";
    static final String VERSION = "1";
    /** Metadata key of {@link Patch#contentSha256()}. */
    static final String CONTENT_HASH = "content_sha256";

    private PatchFile() {}

    /** Writes {@code patch}; refuses to replace an existing file. */
    public static void write(Path file, Patch patch) {
        write(file, patch, SafetensorsWriter.WriteMode.CREATE_NEW);
    }

    public static void write(Path file, Patch patch, SafetensorsWriter.WriteMode mode) {
        int k = patch.size();
        int[] flat = new int[2 * k];
        for (int i = 0; i < k; i++) {
            flat[2 * i] = patch.layerOf(i);
            flat[2 * i + 1] = patch.rowOf(i);
        }
        ModelIdentity id = patch.identity();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("alpha", Float.toString(patch.alpha()));
        meta.put("k", Integer.toString(k));
        meta.put("probe_layer", Integer.toString(patch.probeLayer()));
        meta.put("architecture", id.architecture());
        meta.put("hidden_size", Integer.toString(id.hiddenSize()));
        meta.put("num_layers", Integer.toString(id.numLayers()));
        meta.put("intermediate_size", Integer.toString(id.intermediateSize()));
        meta.put("vocab_size", Integer.toString(id.vocabSize()));
        meta.put("gate_dtype", id.gateDtype());
        meta.put("gate_sha256", id.gateSha256());
        meta.put(CONTENT_HASH, patch.contentSha256());
        new SafetensorsWriter()
                .metadata(meta)
                .addFloats("direction", DType.F32, new long[]{id.hiddenSize()}, patch.direction())
                .addInts("rows", new long[]{k, 2}, flat)
                .write(file, mode);
    }

    /** Reads and validates a patch; every problem is a one-line {@link CheckpointException} naming the file. */
    public static Patch read(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            var st = SafetensorsReader.open(file, arena);
            Map<String, String> meta = st.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new CheckpointException(file, "not a Scalpel patch (metadata format is " + meta.get("format") + ", expected " + FORMAT + ")");
            }
            if (!VERSION.equals(meta.get("format_version"))) {
                throw new CheckpointException(file, "patch format version " + meta.get("format_version") + " is not supported (this build reads " + VERSION + ")");
            }
            Tensor direction = st.tensor("direction"), rows = st.tensor("rows");
            if (direction == null || rows == null) throw new CheckpointException(file, "patch needs tensors direction and rows");
            if (direction.dtype() != DType.F32 || direction.rank() != 1) throw new CheckpointException(file, "direction must be F32 [hidden], got " + direction);
            if (rows.dtype() != DType.I32 || rows.rank() != 2 || rows.dim(1) != 2) throw new CheckpointException(file, "rows must be I32 [K, 2], got " + rows);
            int k = parseInt(file, meta, "k");
            if (k < 1) throw new CheckpointException(file, "metadata says K = " + k + "; a patch edits at least one row");
            if (rows.dim(0) != k) throw new CheckpointException(file, "metadata says K = " + k + " but rows holds " + rows.dim(0));
            int[][] pairs = new int[k][2];
            for (int i = 0; i < k; i++) {
                pairs[i][0] = rows.data().getAtIndex(Tensor.I32_LE, 2L * i);
                pairs[i][1] = rows.data().getAtIndex(Tensor.I32_LE, 2L * i + 1);
            }
            try {
                ModelIdentity id = new ModelIdentity(required(file, meta, "architecture"),
                        parseInt(file, meta, "hidden_size"), parseInt(file, meta, "num_layers"),
                        parseInt(file, meta, "intermediate_size"), parseInt(file, meta, "vocab_size"),
                        required(file, meta, "gate_dtype"), required(file, meta, "gate_sha256"));
                float alpha = Float.parseFloat(required(file, meta, "alpha"));
                Patch patch = new Patch(direction.toFloatArray(), alpha, pairs, parseInt(file, meta, "probe_layer"), id);
                String recorded = required(file, meta, CONTENT_HASH);
                if (!recorded.equalsIgnoreCase(patch.contentSha256())) {
                    throw new CheckpointException(file, "patch content (direction, rows, alpha) does not match its " + CONTENT_HASH
                            + "; the file was corrupted or edited");
                }
                return patch;
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, "invalid patch: " + e.getMessage());
            }
        }
    }

    private static String required(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new CheckpointException(file, "patch metadata lacks " + key);
        return v;
    }

    private static int parseInt(Path file, Map<String, String> meta, String key) {
        String v = required(file, meta, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new CheckpointException(file, "patch metadata " + key + " is not an integer: " + v);
        }
    }
}
