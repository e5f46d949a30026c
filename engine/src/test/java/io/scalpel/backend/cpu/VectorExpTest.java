package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorExp} against StrictMath's exp rounded to float (an independent reference): within its
 * documented 2 ulps on its domain, its stated values outside it, and the vector lanes give the scalar
 * path's bits (the loops' tails use the scalar path; the interpreter runs the vector code as scalar IEEE
 * operations, so this is also what makes the result independent of the JIT tier).
 */
class VectorExpTest {
    private static final int L = Widen.F.length();

    /** e^x for L consecutive inputs through the vector path. */
    private static float[] vector(float[] x, int off) {
        float[] out = new float[L];
        VectorExp.exp(FloatVector.fromArray(Widen.F, x, off)).intoArray(out, 0);
        return out;
    }

    private static long ulps(float got, double exact) {
        float want = (float) exact;
        return Math.abs((long) Float.floatToRawIntBits(got) - Float.floatToRawIntBits(want));
    }

    @Test
    void withinTwoUlpsOfTheCorrectlyRoundedExpOnTheDomainAndLanesMatchTheScalarPath() {
        // every 64th float of [LOW, HIGH] (both signs), then every float within ±1e-3 of 0 step 1e-7
        int count = 0;
        float[] x = new float[1 << 16];
        long worst = 0;
        float worstAt = 0;
        for (int sign = 0; sign < 2; sign++) {
            float end = sign == 0 ? VectorExp.HIGH : VectorExp.LOW;
            int n = 0;
            for (int bits = 0; ; bits += 64) {
                float v = Float.intBitsToFloat(bits);
                if (v > Math.abs(end)) break;
                x[n++] = sign == 0 ? v : -v;
                if (n == x.length) {
                    long[] w = check(x, n);
                    if (w[0] > worst) { worst = w[0]; worstAt = Float.intBitsToFloat((int) w[1]); }
                    count += n;
                    n = 0;
                }
            }
            long[] w = check(x, n - n % L);
            if (w[0] > worst) { worst = w[0]; worstAt = Float.intBitsToFloat((int) w[1]); }
            count += n;
        }
        assertTrue(count > 30_000_000, "swept " + count);
        assertTrue(worst <= 2, "worst error " + worst + " ulps at x = " + worstAt);
        System.out.println("VectorExp: worst " + worst + " ulps at " + worstAt + " over " + count + " inputs");
    }

    /** {max ulps, bits of its x}; asserts lanes equal the scalar path. */
    private static long[] check(float[] x, int n) {
        long worst = 0, at = 0;
        for (int off = 0; off + L <= n; off += L) {
            float[] got = vector(x, off);
            for (int l = 0; l < L; l++) {
                float v = x[off + l];
                if (Float.floatToRawIntBits(got[l]) != Float.floatToRawIntBits(VectorExp.scalar(v))) {
                    assertEquals(VectorExp.scalar(v), got[l], "lane " + l + " at x = " + v);
                }
                long u = ulps(got[l], StrictMath.exp(v));
                if (u > worst) { worst = u; at = Float.floatToRawIntBits(v); }
            }
        }
        return new long[]{worst, at};
    }

    @Test
    void outsideTheDomainZeroInfinityAndNaN() {
        float[] x = new float[Math.max(L, 8)];
        float[] specials = {VectorExp.LOW - 0.01f, -1000f, Float.NEGATIVE_INFINITY, VectorExp.HIGH + 0.01f, 1000f,
                Float.POSITIVE_INFINITY, Float.NaN, 0f};
        float[] expected = {0f, 0f, 0f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 1f};
        for (int s = 0; s < specials.length; s++) {
            java.util.Arrays.fill(x, specials[s]);
            float[] got = new float[x.length];
            for (int off = 0; off + L <= x.length; off += L) System.arraycopy(vector(x, off), 0, got, off, L);
            for (int i = 0; i + L <= x.length; i++) assertEquals(expected[s], got[i], "vector e^" + specials[s]);
            assertEquals(expected[s], VectorExp.scalar(specials[s]), "scalar e^" + specials[s]);
        }
        // the ends of the domain stay finite and normal
        assertEquals(StrictMath.exp(VectorExp.HIGH), VectorExp.scalar(VectorExp.HIGH), 2 * Math.ulp((float) StrictMath.exp(VectorExp.HIGH)));
        assertTrue(VectorExp.scalar(VectorExp.LOW) >= Float.MIN_NORMAL * 0.99f);
    }

    @Test
    void shiftedInPlaceMatchesTheScalarPathForEveryLengthAndOffset() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int n = 0; n < 3 * L + 3; n++) {
            float[] a = new float[n + 3];
            for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * 20);
            float[] want = a.clone();
            for (int i = 0; i < n; i++) want[3 + i] = VectorExp.scalar(a[3 + i] - 1.5f);
            VectorExp.shiftedInPlace(a, 3, n, 1.5f);
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(a[i]), "n " + n + ", element " + i);
        }
    }
}
