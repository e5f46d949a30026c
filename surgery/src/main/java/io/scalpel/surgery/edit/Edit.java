package io.scalpel.surgery.edit;

/**
 * One applied edit: which gate rows moved and the exact bits they held before, so that
 * {@link Surgeon#revert} restores them bit-exactly (never by subtracting α·v back).
 *
 * @param rows     (layer, row) pairs
 * @param original per layer, the stored bits of that layer's edited rows in {@code rows} order (null where none)
 */
public record Edit(int id, int[][] rows, float alpha, byte[][] original) {}
