package io.scalpel.surgery.probe;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A trained 2-class linear head {@code logits = W·x + b} on hidden states of {@code layer}
 * (the engine's numbering: 0 = embeddings, {@code numLayers} = final layer after the final norm).
 * Stored as fp32, the precision the surgery edits in; trainers compute in double and round once.
 *
 * <p>The behaviour direction v is {@code weight[1]}, the class-1 (avoid) row: not normalised, not the
 * row difference — the paper's choice.
 */
public record Probe(float[][] weight, float[] bias, int layer, ProbeMetadata metadata) {
    static final String FORMAT = "scalpel-probe";
    static final String VERSION = "1";

    public Probe {
        Objects.requireNonNull(metadata, "metadata");
        if (weight.length != 2 || bias.length != 2) throw new IllegalArgumentException("a probe has 2 classes: weight [2][d], bias [2]");
        if (weight[0].length != weight[1].length || weight[0].length == 0) throw new IllegalArgumentException("weight rows must have the same, non-zero length");
        weight = new float[][]{weight[0].clone(), weight[1].clone()};
        bias = bias.clone();
    }

    @Override public float[][] weight() { return new float[][]{weight[0].clone(), weight[1].clone()}; }

    @Override public float[] bias() { return bias.clone(); }

    public int dimension() { return weight[0].length; }

    /** The behaviour direction v: the class-1 weight row (a copy). */
    public float[] direction() { return weight[1].clone(); }

    /** Predicted class of {@code x}: 1 when the class-1 logit is larger (ties go to 0). */
    public int predict(float[] x) {
        double z0 = bias[0], z1 = bias[1];
        for (int j = 0; j < x.length; j++) {
            z0 += (double) weight[0][j] * x[j];
            z1 += (double) weight[1][j] * x[j];
        }
        return z1 > z0 ? 1 : 0;
    }

    /** Share of {@code data} classified correctly; NaN when empty. */
    public double accuracy(LabelledVectors data) {
        if (data.size() == 0) return Double.NaN;
        if (data.dimension() != dimension()) throw new IllegalArgumentException("vectors have length " + data.dimension() + ", probe expects " + dimension());
        int correct = 0;
        for (int i = 0; i < data.size(); i++) if (predict(data.vectors()[i]) == data.labels()[i]) correct++;
        return (double) correct / data.size();
    }

    /** Cosine between this probe's direction and another's (same dimension). */
    public double directionCosine(Probe other) {
        return VectorStatistics.cosine(weight[1], other.weight[1]);
    }

    /** Same weights with other metadata (trainers fill accuracies after rounding to fp32). */
    Probe withMetadata(ProbeMetadata m) { return new Probe(weight, bias, layer, m); }

    /** Writes {@code weight} F32 [2, d] and {@code bias} F32 [2] plus the metadata as strings. */
    public void save(Path file, SafetensorsWriter.WriteMode mode) {
        int d = dimension();
        float[] flat = new float[2 * d];
        System.arraycopy(weight[0], 0, flat, 0, d);
        System.arraycopy(weight[1], 0, flat, d, d);
        ProbeMetadata m = metadata;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("layer", Integer.toString(layer));
        meta.put("solver", m.solver().id());
        meta.put("train_accuracy", Double.toString(m.trainAccuracy()));
        meta.put("validation_accuracy", Double.toString(m.validationAccuracy()));
        meta.put("direction_norm", Double.toString(m.directionNorm()));
        meta.put("distance_from_init", Double.toString(m.distanceFromInit()));
        meta.put("init_cosine", Double.toString(m.initCosine()));
        meta.put("train_count", Integer.toString(m.trainCount()));
        meta.put("validation_count", Integer.toString(m.validationCount()));
        meta.put("converged", Boolean.toString(m.converged()));
        meta.put("iterations", Integer.toString(m.iterations()));
        meta.put("settings", m.settings());
        new SafetensorsWriter()
                .metadata(meta)
                .addFloats("weight", DType.F32, new long[]{2, d}, flat)
                .addFloats("bias", DType.F32, new long[]{2}, bias)
                .write(file, mode);
    }

    /** Reads a probe written by {@link #save}; one-line errors naming the file. */
    public static Probe load(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            var st = SafetensorsReader.open(file, arena);
            Map<String, String> meta = st.metadata();
            if (!FORMAT.equals(meta.get("format"))) throw new CheckpointException(file, "not a Scalpel probe file (metadata format is " + meta.get("format") + ")");
            Tensor w = st.tensor("weight"), b = st.tensor("bias");
            if (w == null || b == null) throw new CheckpointException(file, "probe file needs tensors weight and bias");
            if (w.rank() != 2 || w.dim(0) != 2 || b.rank() != 1 || b.dim(0) != 2 || !w.dtype().isFloat() || !b.dtype().isFloat()) {
                throw new CheckpointException(file, "probe tensors must be weight [2, d] and bias [2] (got " + w + ", " + b + ")");
            }
            int d = w.cols();
            float[] flat = w.toFloatArray();
            float[] bias = b.toFloatArray();
            for (int i = 0; i < flat.length; i++) {
                if (!Float.isFinite(flat[i])) throw new CheckpointException(file, "probe weight[" + i / d + "][" + i % d + "] is " + flat[i] + ", not a finite number");
            }
            for (int i = 0; i < 2; i++) {
                if (!Float.isFinite(bias[i])) throw new CheckpointException(file, "probe bias[" + i + "] is " + bias[i] + ", not a finite number");
            }
            int layer = parseLayer(file, required(file, meta, "layer"));
            float[][] weight = {java.util.Arrays.copyOfRange(flat, 0, d), java.util.Arrays.copyOfRange(flat, d, 2 * d)};
            try {
                ProbeMetadata m = new ProbeMetadata(
                        ProbeSolver.fromId(required(file, meta, "solver")),
                        Double.parseDouble(required(file, meta, "train_accuracy")),
                        Double.parseDouble(required(file, meta, "validation_accuracy")),
                        Double.parseDouble(required(file, meta, "direction_norm")),
                        Double.parseDouble(required(file, meta, "distance_from_init")),
                        Double.parseDouble(meta.getOrDefault("init_cosine", "NaN")),
                        Integer.parseInt(required(file, meta, "train_count")),
                        Integer.parseInt(required(file, meta, "validation_count")),
                        Boolean.parseBoolean(required(file, meta, "converged")),
                        Integer.parseInt(required(file, meta, "iterations")),
                        meta.getOrDefault("settings", ""));
                return new Probe(weight, bias, layer, m);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, "bad probe metadata: " + e.getMessage());
            }
        }
    }

    private static int parseLayer(Path file, String v) {
        try {
            int layer = Integer.parseInt(v);
            if (layer < 0) throw new CheckpointException(file, "probe metadata layer is " + layer + "; hidden-state indices start at 0");
            return layer;
        } catch (NumberFormatException e) {
            throw new CheckpointException(file, "probe metadata layer is not an integer: " + v);
        }
    }

    private static String required(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) throw new CheckpointException(file, "probe metadata lacks " + key);
        return v;
    }
}
