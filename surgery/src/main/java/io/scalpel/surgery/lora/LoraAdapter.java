package io.scalpel.surgery.lora;

import io.scalpel.model.ModelConfig;
import io.scalpel.surgery.patch.Patch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LoRA adapter: per (layer, projection) an update {@code ΔW = (loraAlpha / r) · B·A} with A [r, in]
 * and B [out, r] in fp32, in the engine's row order (q/k rows rotate_half, as PEFT stores them).
 *
 * @param baseModel what the adapter says it was made for ({@code base_model_name_or_path}); may be empty
 */
public record LoraAdapter(int rank, float loraAlpha, String baseModel, List<Update> updates) {

    /**
     * One adapted projection.
     *
     * @param a row-major [rank, in]
     * @param b row-major [out, rank]
     */
    public record Update(int layer, LoraTarget target, int in, int out, float[] a, float[] b) {
        public Update {
            Objects.requireNonNull(target);
            if (in <= 0 || out <= 0 || a.length % in != 0 || b.length % out != 0 || a.length / in != b.length / out) {
                throw new IllegalArgumentException("layer " + layer + " " + target.peftShortName() + ": lora_A has " + a.length
                        + " values for " + in + " inputs and lora_B " + b.length + " for " + out + " outputs (ranks differ)");
            }
        }

        public int rank() { return a.length / in; }
    }

    public LoraAdapter {
        if (rank <= 0) throw new IllegalArgumentException("LoRA rank r must be positive, got " + rank);
        if (!Float.isFinite(loraAlpha)) throw new IllegalArgumentException("lora_alpha must be finite, got " + loraAlpha);
        updates = List.copyOf(updates);
        if (updates.isEmpty()) throw new IllegalArgumentException("the adapter holds no LoRA tensors");
        for (Update u : updates) {
            if (u.rank() != rank) {
                throw new IllegalArgumentException("layer " + u.layer() + " " + u.target().peftShortName() + " has rank " + u.rank() + ", the adapter's r is " + rank);
            }
        }
    }

    /** The factor B·A is multiplied by (PEFT: lora_alpha / r). */
    public float scale() { return loraAlpha / rank; }

    /**
     * The surgery patches as one LoRA: patch p (direction v_p, step α_p, rows m_p) is rank-one per
     * layer, A's row p = v_pᵀ, B's column p = α_p·m_p; r = number of patches and lora_alpha = r, so
     * the scale is 1 and B·A is exactly Σ_p α_p·m_p·v_pᵀ.
     */
    public static LoraAdapter fromPatches(List<Patch> patches, ModelConfig c, String baseModel) {
        if (patches.isEmpty()) throw new IllegalArgumentException("a LoRA export needs at least one --patch");
        int r = patches.size(), d = c.dim(), h = c.hiddenDim();
        List<Update> updates = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            float[] a = new float[r * d];
            float[] b = new float[h * r];
            boolean any = false;
            for (int p = 0; p < r; p++) {
                Patch patch = patches.get(p);
                System.arraycopy(patch.direction(), 0, a, p * d, d);
                for (int k = 0; k < patch.size(); k++) {
                    if (patch.layerOf(k) != l) continue;
                    b[patch.rowOf(k) * r + p] = patch.alpha();
                    any = true;
                }
            }
            if (any) updates.add(new Update(l, LoraTarget.GATE, d, h, a, b));
        }
        return new LoraAdapter(r, r, baseModel, updates);
    }

    /** Checks every update against the model's shapes; the message names {@code file} and what differs. */
    public void checkFits(ModelConfig c, Path file) {
        for (Update u : updates) {
            if (u.layer() < 0 || u.layer() >= c.layers()) {
                throw new io.scalpel.io.CheckpointException(file, "LoRA for layer " + u.layer() + " but the model has " + c.layers() + " layers");
            }
            int in = switch (u.target()) {
                case O -> c.qDim();
                case DOWN -> c.hiddenDim();
                default -> c.dim();
            };
            int out = switch (u.target()) {
                case Q -> c.qDim();
                case K, V -> c.kvDim();
                case O, DOWN -> c.dim();
                case GATE, UP -> c.hiddenDim();
            };
            if (u.in() != in || u.out() != out) {
                throw new io.scalpel.io.CheckpointException(file, "LoRA for layer " + u.layer() + " " + u.target().peftShortName() + " is "
                        + u.out() + "×" + u.in() + " but the model's projection is " + out + "×" + in + " (a LoRA for another model?)");
            }
        }
    }
}
