package io.scalpel.surgery.edit;

/**
 * One applied edit: which gate rows moved and the exact bits they held before, so that
 * {@link Surgeon#revert} restores them bit-exactly (never by subtracting α·v back).
 *
 * @param rows         (layer, row) pairs
 * @param original     per layer, the stored bits of that layer's edited rows in {@code rows} order (null where none)
 * @param storageError ‖stored − (w + α·v)‖ / ‖α·v‖ over the edited rows: how much of the edit the stored type's
 *                     rounding lost or added (0 for F32; a 16-bit rounding for F16/BF16; for quantized gate_proj the
 *                     re-quantization of the edited rows' blocks, which also moves their unedited share)
 */
public record Edit(int id, int[][] rows, float alpha, byte[][] original, double storageError) {}
