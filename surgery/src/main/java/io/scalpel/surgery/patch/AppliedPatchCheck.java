package io.scalpel.surgery.patch;

import io.scalpel.backend.cpu.QuantRowUpdate;
import io.scalpel.backend.cpu.RowUpdate;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * Before a revert writes anything: checks that an edited model is exactly the base model with this
 * patch applied. Each patched row must hold the bits the edit gives ({@code round(fma(α, v, w))},
 * the arithmetic of the CPU and CUDA backends), and with those rows restored from the base the
 * gate weights must hash to the base identity the patch records. A wrong patch, a model that was
 * never edited, or one that carries other edits as well is refused instead of written as a hybrid.
 */
public final class AppliedPatchCheck {
    private AppliedPatchCheck() {}

    /**
     * @param baseGates   the base model's gate_proj per layer
     * @param editedGates the edited model's gate_proj per layer (same shapes and dtype)
     * @param edited      the edited model's path, for messages
     * @throws PatchMismatchException naming the first difference
     */
    public static void requireApplied(Patch patch, List<Tensor> baseGates, List<Tensor> editedGates, Path edited) {
        float[] v = patch.direction();
        for (int k = 0; k < patch.size(); k++) {
            Tensor base = baseGates.get(patch.layerOf(k)), ed = editedGates.get(patch.layerOf(k));
            if (base.dtype().isQuantized()) {
                requireQuantizedRowApplied(patch, k, base, ed, edited);
                continue;
            }
            long row = (long) patch.rowOf(k) * base.cols();
            for (int j = 0; j < base.cols(); j++) {
                float w = base.getFloat(row + j);
                int expected = base.dtype().encode(RowUpdate.apply(w, patch.alpha(), v[j]));
                if (bits(ed, row + j) != expected) {
                    throw new PatchMismatchException(edited + ": gate row (" + patch.layerOf(k) + ", " + patch.rowOf(k)
                            + ") is not the base row plus this patch's alpha·direction; this patch was not applied to this model");
                }
            }
        }
        int[][] rows = patch.rows();
        long largest = baseGates.stream().mapToLong(t -> t.data().byteSize()).max().orElse(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment restored = arena.allocate(largest, 64);
            String hash = ModelIdentity.gateHash(editedGates.size(), layer -> {
                Tensor ed = editedGates.get(layer), base = baseGates.get(layer);
                MemorySegment out = restored.asSlice(0, ed.data().byteSize());
                out.copyFrom(ed.data());
                long rowBytes = base.dtype().rowBytes(base.cols());
                for (int[] r : rows) {
                    if (r[0] == layer) MemorySegment.copy(base.data(), r[1] * rowBytes, out, r[1] * rowBytes, rowBytes);
                }
                return out;
            });
            if (!hash.equalsIgnoreCase(patch.identity().gateSha256())) {
                throw new PatchMismatchException(edited + ": with this patch's rows restored, the gate weights still differ from the base model;"
                        + " the model carries other edits too (revert those patches first)");
            }
        }
    }

    /** A quantized row holds the quantizer's re-encoding of {@code w + α·v}: redo that edit on a copy of the base row and compare bytes. */
    private static void requireQuantizedRowApplied(Patch patch, int k, Tensor base, Tensor ed, Path edited) {
        long rowBytes = base.dtype().rowBytes(base.cols());
        long offset = patch.rowOf(k) * rowBytes;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(rowBytes);
            expected.copyFrom(base.data().asSlice(offset, rowBytes));
            QuantRowUpdate.addToRows(expected, base.dtype(), base.cols(), new int[] {0}, patch.direction(), 0, patch.alpha(), 1);
            if (expected.mismatch(ed.data().asSlice(offset, rowBytes)) != -1) {
                throw new PatchMismatchException(edited + ": gate row (" + patch.layerOf(k) + ", " + patch.rowOf(k)
                        + ") is not the base row plus this patch's alpha·direction, re-quantized; this patch was not applied to this model");
            }
        }
    }

    private static int bits(Tensor t, long i) {
        return switch (t.dtype()) {
            case F32 -> t.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i);
            case F16, BF16 -> t.data().getAtIndex(Tensor.I16_LE, i) & 0xFFFF;
            default -> throw new IllegalArgumentException(t.name() + " holds " + t.dtype() + ", not F32/F16/BF16 elements");
        };
    }

}
