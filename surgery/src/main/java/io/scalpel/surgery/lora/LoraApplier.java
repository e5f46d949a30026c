package io.scalpel.surgery.lora;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Weight;
import io.scalpel.model.Transformer;
import io.scalpel.tensor.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds a LoRA to the resident weights in place: {@code W ← round(W + scale·B·A)}. Rank one is one
 * fp32 fused multiply-add per element, {@code fma(scale·B[i], A[j], W[i,j])}, rounded once to the
 * stored dtype — the surgery's own arithmetic, so a patch's LoRA gives the patch's bits; higher ranks
 * sum {@code Σ_r B[i,r]·A[r,j]} in double and round once to fp32, then to the stored dtype. Only rows whose B row is non-zero
 * are touched; their stored bits are saved first, and {@link #revert} writes them back.
 */
public final class LoraApplier {
    private LoraApplier() {}

    /** The bits an applied LoRA replaced, per touched weight. */
    public record Applied(List<Saved> saved) {
        public int rows() { return saved.stream().mapToInt(s -> s.rows().length).sum(); }
    }

    record Saved(Weight weight, int[] rows, byte[] bits) {}

    public static Applied apply(Transformer model, LoraAdapter adapter) {
        Backend b = model.backend();
        List<Saved> saved = new ArrayList<>();
        double scale = adapter.scale();
        try {
            for (LoraAdapter.Update u : adapter.updates()) {
                Weight w = u.target().of(model.layers().get(u.layer()));
                DType dtype = w.dtype();
                switch (dtype) {
                    case F32, F16, BF16 -> { }
                    default -> throw new IllegalArgumentException("layer " + u.layer() + " " + u.target().peftShortName()
                            + " is stored as " + dtype + "; LoRA updates need F32, F16 or BF16 weights");
                }
                int r = u.rank(), in = u.in();
                int[] rows = touchedRows(u);
                if (rows.length == 0) continue;
                byte[] original = b.readRows(w, rows);
                ByteBuffer bits = ByteBuffer.wrap(original.clone()).order(ByteOrder.LITTLE_ENDIAN);
                int width = dtype.bytes();
                float[] a = u.a(), bm = u.b();
                for (int k = 0; k < rows.length; k++) {
                    int i = rows[k];
                    long rowStart = (long) k * in * width;
                    for (int j = 0; j < in; j++) {
                        int at = Math.toIntExact(rowStart + (long) j * width);
                        float old = width == 4 ? bits.getFloat(at) : dtype.decode(bits.getShort(at) & 0xFFFF);
                        float updated;
                        if (r == 1) {
                            updated = Math.fma((float) (scale * bm[i]), a[j], old); // the surgery's own arithmetic
                        } else {
                            double delta = 0;
                            for (int p = 0; p < r; p++) delta += (double) bm[i * r + p] * a[p * in + j];
                            updated = (float) (old + scale * delta);
                        }
                        if (width == 4) bits.putFloat(at, updated);
                        else bits.putShort(at, (short) dtype.encode(updated));
                    }
                }
                saved.add(new Saved(w, rows, original));
                b.writeRows(w, rows, bits.array());
            }
        } catch (RuntimeException e) {
            revert(model, new Applied(saved)); // nothing half-applied
            throw e;
        }
        return new Applied(List.copyOf(saved));
    }

    /** Restores the bits the LoRA replaced (latest first, so overlapping updates undo exactly). */
    public static void revert(Transformer model, Applied applied) {
        List<Saved> s = applied.saved();
        for (int i = s.size() - 1; i >= 0; i--) model.backend().writeRows(s.get(i).weight(), s.get(i).rows(), s.get(i).bits());
    }

    private static int[] touchedRows(LoraAdapter.Update u) {
        int r = u.rank();
        float[] bm = u.b();
        int[] rows = new int[u.out()];
        int n = 0;
        for (int i = 0; i < u.out(); i++) {
            for (int p = 0; p < r; p++) {
                if (bm[i * r + p] != 0f) {
                    rows[n++] = i;
                    break;
                }
            }
        }
        return java.util.Arrays.copyOf(rows, n);
    }
}
