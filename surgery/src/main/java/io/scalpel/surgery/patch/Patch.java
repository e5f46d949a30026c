package io.scalpel.surgery.patch;

import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.select.Selection;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model edit as a small, shareable artefact: for each (layer, row) in {@code rows},
 * {@code gate_proj[layer][row] += alpha · direction}. Together with the base model it describes the
 * edited model completely; undoing it means restoring the listed rows from the base weights.
 *
 * @param direction  the probe direction v (hidden-size floats, not normalised)
 * @param alpha      the step size (1.08 detoxification, 1 jailbreak/attitude in the paper; negative reverses)
 * @param rows       {@code [K][2]} (layer, row) pairs in rank order
 * @param probeLayer which hidden state the probe read
 * @param identity   the base model the rows and direction belong to
 */
public record Patch(float[] direction, float alpha, int[][] rows, int probeLayer, ModelIdentity identity) {
    public Patch {
        Objects.requireNonNull(identity, "identity");
        if (!Float.isFinite(alpha)) throw new IllegalArgumentException("alpha must be finite, got " + alpha);
        if (direction.length != identity.hiddenSize()) {
            throw new IllegalArgumentException("direction has " + direction.length + " values, the model's hidden size is " + identity.hiddenSize());
        }
        for (int j = 0; j < direction.length; j++) {
            if (!Float.isFinite(direction[j])) throw new IllegalArgumentException("direction[" + j + "] is " + direction[j]);
        }
        if (rows.length == 0) throw new IllegalArgumentException("a patch edits at least one row");
        boolean[][] seen = new boolean[identity.numLayers()][];
        for (int k = 0; k < rows.length; k++) {
            int[] r = rows[k];
            if (r.length != 2) throw new IllegalArgumentException("rows[" + k + "] must be a (layer, row) pair");
            if (r[0] < 0 || r[0] >= identity.numLayers() || r[1] < 0 || r[1] >= identity.intermediateSize()) {
                throw new IllegalArgumentException("rows[" + k + "] = (" + r[0] + ", " + r[1] + ") is outside "
                        + identity.numLayers() + " layers × " + identity.intermediateSize() + " gate rows");
            }
            if (seen[r[0]] == null) seen[r[0]] = new boolean[identity.intermediateSize()];
            // A repeated row would get α·v twice; the selector never produces one, so it is a corrupt patch.
            if (seen[r[0]][r[1]]) throw new IllegalArgumentException("rows lists (" + r[0] + ", " + r[1] + ") twice");
            seen[r[0]][r[1]] = true;
        }
        if (probeLayer < 0 || probeLayer > identity.numLayers()) {
            throw new IllegalArgumentException("probe layer " + probeLayer + " is outside 0.." + identity.numLayers());
        }
        direction = direction.clone();
        rows = Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new);
    }

    /** The edit the paper describes: the probe's class-1 row added with {@code alpha} to the selected rows. */
    public static Patch of(Probe probe, Selection selection, float alpha, ModelIdentity identity) {
        return new Patch(probe.direction(), alpha, selection.rows(), probe.layer(), identity);
    }

    @Override public float[] direction() { return direction.clone(); }

    @Override public int[][] rows() { return Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new); }

    /** K, the number of edited rows. */
    public int size() { return rows.length; }

    /** Layer of the k-th edited row, without copying. */
    public int layerOf(int k) { return rows[k][0]; }

    /** Row index (within its layer's gate_proj) of the k-th edited row, without copying. */
    public int rowOf(int k) { return rows[k][1]; }

    @Override public boolean equals(Object o) {
        return o instanceof Patch p && Arrays.equals(direction, p.direction) && Float.compare(alpha, p.alpha) == 0
                && Arrays.deepEquals(rows, p.rows) && probeLayer == p.probeLayer && identity.equals(p.identity);
    }

    @Override public int hashCode() {
        return Objects.hash(Arrays.hashCode(direction), alpha, Arrays.deepHashCode(rows), probeLayer, identity);
    }

    @Override public String toString() {
        return "Patch[K=" + rows.length + ", alpha=" + alpha + ", probeLayer=" + probeLayer + ", " + identity + "]";
    }
}
