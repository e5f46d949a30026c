package io.scalpel.model;

/**
 * cos/sin of every (position, frequency) angle, [positions, headDim/2], computed in double and
 * rounded once to fp32 so the table is as exact as fp32 allows whatever the backend.
 */
public record RopeTable(float[] cos, float[] sin, int positions, int half) {

    public static RopeTable of(ModelConfig c, int positions) {
        int half = c.headDim() / 2;
        double[] invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            double base = 1.0 / StrictMath.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
            invFreq[i] = c.ropeScaling().scale(i, base);
        }
        float[] cos = new float[positions * half], sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * invFreq[i];
                cos[p * half + i] = (float) StrictMath.cos(angle);
                sin[p * half + i] = (float) StrictMath.sin(angle);
            }
        }
        return new RopeTable(cos, sin, positions, half);
    }
}
