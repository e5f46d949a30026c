package io.scalpel.surgery.probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RandomDirectionsTest {
    @Test
    void sameNormSeededAndNearlyOrthogonal() {
        float[] v = new float[512];
        for (int i = 0; i < v.length; i++) v[i] = (i % 7) * 0.1f - 0.3f;
        float[] a = RandomDirections.sameNorm(v, 1), b = RandomDirections.sameNorm(v, 1), c = RandomDirections.sameNorm(v, 2);
        assertArrayEquals(a, b);
        assertEquals(VectorStatistics.norm(VectorStatistics.widen(v)), VectorStatistics.norm(VectorStatistics.widen(a)), 1e-4);
        assertTrue(Math.abs(VectorStatistics.cosine(a, v)) < 0.2);
        assertTrue(Math.abs(VectorStatistics.cosine(a, c)) < 0.2);
    }
}
