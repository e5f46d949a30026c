package io.scalpel.surgery.edit;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Edits gate_proj rows of the resident weights in place — on whichever backend holds them, so on a
 * GPU the rows never leave device memory: {@code w ← round(w + α·v)}, computed in fp32 and rounded
 * once to the stored dtype. Before each edit the rows' stored bits are saved; edits stack, and each
 * can be reverted in any order, restoring exactly the bits it found. Reverting an earlier edit
 * while a later one touches the same rows restores the earlier edit's saved bits for those rows,
 * dropping the later edit's contribution there — so revert in reverse order to undo several edits
 * to the same rows exactly.
 */
public final class Surgeon {
    private final Transformer model;
    private final List<Edit> applied = new ArrayList<>();
    private int nextId = 1;

    public Surgeon(Transformer model) { this.model = model; }

    public List<Edit> applied() { return List.copyOf(applied); }

    /** Adds {@code alpha · direction} to each listed (layer, row) of gate_proj. */
    public Edit apply(int[][] rows, float[] direction, float alpha) {
        if (!Float.isFinite(alpha)) throw new IllegalArgumentException("alpha must be a finite number, got " + alpha);
        int dim = model.config().dim();
        if (direction.length != dim) throw new IllegalArgumentException("direction has " + direction.length + " elements, the model's hidden size is " + dim);
        for (float f : direction) if (!Float.isFinite(f)) throw new IllegalArgumentException("direction holds a non-finite value");
        int[][] perLayer = byLayer(rows);
        Backend b = model.backend();
        List<Weight> gates = model.gateWeights();
        byte[][] original = new byte[gates.size()][];
        StorageError storage = new StorageError();
        try (Buffer v = b.allocate(dim)) {
            b.write(v, direction);
            try {
                for (int l = 0; l < gates.size(); l++) {
                    if (perLayer[l].length == 0) continue;
                    original[l] = b.readRows(gates.get(l), perLayer[l]);
                    b.addToRows(gates.get(l), perLayer[l], v, alpha);
                    storage.add(gates.get(l).dtype(), original[l], b.readRows(gates.get(l), perLayer[l]), perLayer[l].length, direction, alpha);
                }
            } catch (RuntimeException e) {
                // A failure part way (a device error, say) must not leave the layers before it edited.
                for (int l = 0; l < gates.size(); l++) {
                    if (original[l] != null) b.writeRows(gates.get(l), perLayer[l], original[l]);
                }
                throw e;
            }
        }
        Edit e = new Edit(nextId++, rows.clone(), alpha, original, storage.relative());
        applied.add(e);
        return e;
    }

    /** Restores the bits the edit found. */
    public void revert(Edit edit) {
        if (!applied.remove(edit)) throw new IllegalArgumentException("edit " + edit.id() + " is not applied");
        int[][] perLayer = byLayer(edit.rows());
        List<Weight> gates = model.gateWeights();
        for (int l = 0; l < gates.size(); l++) {
            if (edit.original()[l] != null) model.backend().writeRows(gates.get(l), perLayer[l], edit.original()[l]);
        }
    }

    /** Reverts every applied edit, latest first. */
    public void revertAll() {
        for (int i = applied.size() - 1; i >= 0; i--) revert(applied.get(i));
    }

    /** Splits (layer,row) pairs into per-layer row lists, checking bounds and rejecting duplicates. */
    int[][] byLayer(int[][] rows) {
        int layers = model.config().layers(), hidden = model.config().hiddenDim();
        int[] counts = new int[layers];
        for (int[] lr : rows) {
            if (lr.length != 2 || lr[0] < 0 || lr[0] >= layers || lr[1] < 0 || lr[1] >= hidden) {
                throw new IllegalArgumentException("row " + Arrays.toString(lr) + " is outside the model's gate rows ("
                        + layers + " layers × " + hidden + ")");
            }
            counts[lr[0]]++;
        }
        int[][] out = new int[layers][];
        for (int l = 0; l < layers; l++) out[l] = new int[counts[l]];
        int[] fill = new int[layers];
        for (int[] lr : rows) out[lr[0]][fill[lr[0]]++] = lr[1];
        for (int[] layer : out) {
            int[] sorted = layer.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) throw new IllegalArgumentException("row " + sorted[i] + " is listed twice");
            }
        }
        return out;
    }
}
