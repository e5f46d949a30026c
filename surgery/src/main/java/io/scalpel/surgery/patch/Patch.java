package io.scalpel.surgery.patch;

import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.select.Selection;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
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
    /**
     * The largest |α| a patch may carry. The paper's edits use α around 1 (1.08 for detoxification);
     * a thousand times that turns the edited rows into the direction itself, so anything larger is a
     * typo or a corrupt file, and 3e38 would overflow the weights to infinity.
     */
    public static final float MAX_ABS_ALPHA = 1000f;

    public Patch {
        Objects.requireNonNull(identity, "identity");
        if (!Float.isFinite(alpha)) throw new IllegalArgumentException("alpha must be finite, got " + alpha);
        if (Math.abs(alpha) > MAX_ABS_ALPHA) throw new IllegalArgumentException("|alpha| must be at most " + MAX_ABS_ALPHA + ", got " + alpha);
        if (direction.length != identity.hiddenSize()) {
            throw new IllegalArgumentException("direction has " + direction.length + " values, the model's hidden size is " + identity.hiddenSize());
        }
        for (int j = 0; j < direction.length; j++) {
            if (!Float.isFinite(direction[j]) || !Float.isFinite(alpha * direction[j])) {
                throw new IllegalArgumentException("direction[" + j + "] is " + direction[j] + (Float.isFinite(direction[j]) ? ", and alpha × it overflows" : ""));
            }
        }
        if (rows.length == 0) throw new IllegalArgumentException("a patch edits at least one row");
        // A set, not arrays sized by the identity: a corrupt num_layers of 2^31 must not exhaust memory.
        java.util.Set<Long> seen = java.util.HashSet.newHashSet(rows.length);
        for (int k = 0; k < rows.length; k++) {
            int[] r = rows[k];
            if (r.length != 2) throw new IllegalArgumentException("rows[" + k + "] must be a (layer, row) pair");
            if (r[0] < 0 || r[0] >= identity.numLayers() || r[1] < 0 || r[1] >= identity.intermediateSize()) {
                throw new IllegalArgumentException("rows[" + k + "] = (" + r[0] + ", " + r[1] + ") is outside "
                        + identity.numLayers() + " layers × " + identity.intermediateSize() + " gate rows");
            }
            // A repeated row would get α·v twice; the selector never produces one, so it is a corrupt patch.
            if (!seen.add(((long) r[0] << 32) | r[1])) throw new IllegalArgumentException("rows lists (" + r[0] + ", " + r[1] + ") twice");
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

    /**
     * SHA-256 (lower-case hex) of what the edit does: the direction's fp32 bits, the (layer, row)
     * pairs as int32 and α's fp32 bits, all little-endian. Stored in the patch file and checked on
     * load, so a row changed to another valid row or an edited α is refused instead of applied.
     */
    public String contentSha256() {
        ByteBuffer b = ByteBuffer.allocate(4 * direction.length + 8 * rows.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : direction) b.putFloat(f);
        for (int[] r : rows) b.putInt(r[0]).putInt(r[1]);
        b.putFloat(alpha);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

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
