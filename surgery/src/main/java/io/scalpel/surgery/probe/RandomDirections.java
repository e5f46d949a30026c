package io.scalpel.surgery.probe;

import java.util.Random;

/**
 * Random directions for the control edits: isotropic (Gaussian, then rescaled) with the same norm
 * as the probe direction, so a control differs from the real edit only in where it points.
 */
public final class RandomDirections {
    private RandomDirections() {}

    /** A seeded random vector with ‖r‖ = ‖v‖. */
    public static float[] sameNorm(float[] v, long seed) {
        double target = VectorStatistics.norm(VectorStatistics.widen(v));
        Random rng = new Random(seed);
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) r[i] = rng.nextGaussian();
        double scale = target / VectorStatistics.norm(r);
        for (int i = 0; i < r.length; i++) r[i] *= scale;
        return VectorStatistics.narrow(r);
    }
}
