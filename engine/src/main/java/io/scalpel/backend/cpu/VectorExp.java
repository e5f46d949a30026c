package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in fp32, a vector at a time, from IEEE operations only (fma, multiply, add, compare, blend,
 * integer add and shift), so every lane gets the same bits interpreted or compiled, whatever the vector
 * width; {@link #scalar} does the same operations one element at a time (the tails of the loops that use
 * it) and gives the same bits. SiLU and softmax use it in prefill and decode alike.
 *
 * <p>Why not {@code StrictMath.exp}: one call took ~33 cycles (13.5 ns per SwiGLU element here), so a
 * 128-token prefill of a 110M model spent ~10 % of its CPU time in SwiGLU's 3.1 M exps and a further share
 * in attention's softmax. {@code FloatVector.lanewise(EXP)} is no substitute: C2 calls a vector math
 * library and the interpreter {@code Math.exp}, which differ in the last bit (docs/design.md,
 * "Deterministic CPU arithmetic").
 *
 * <p>Method (Cephes {@code expf}): n = round(x·log₂e), taken exactly by one fma against 1.5·2²³ (the
 * rounding of that fma is the round-to-nearest); r = x − n·ln2 in two fma steps (Cody–Waite, ln2 split
 * into a 9-bit head and a tail), |r| ≤ ln2/2; e^r = 1 + r + r²·P(r) with Cephes' degree-5 P; times 2ⁿ
 * built in the exponent bits. Domain and error: for x in [{@link #LOW}, {@link #HIGH}] the result is
 * within 2 ulps of the correctly rounded e^x (measured: at most 1 ulp over every 64th float of the
 * domain, 35 M inputs, {@code VectorExpTest}); below LOW (where e^x is under 2⁻¹²⁶) it is 0; above HIGH
 * it is +∞ (e^x is finite up to 88.72, but no caller gets there: softmax's arguments are ≤ 0 and SiLU's
 * e^−v above HIGH only turns v / (1 + e^−v) from a value under 4e-37 in magnitude into −0); NaN stays NaN.
 */
final class VectorExp {
    private static final VectorSpecies<Float> F = Widen.F;

    /** Below this, e^x &lt; 2⁻¹²⁶ (the smallest normal float): the result is 0. ln(2⁻¹²⁶) rounded up. */
    static final float LOW = -87.33654f;
    /** Above this, n = round(x·log₂e) would be 128: the result is +∞. 127.5·ln2 rounded down. */
    static final float HIGH = 88.37626f;

    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2²³: adding it rounds a float of magnitude under 2²² to an integer, held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** ln2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| ≤ 2¹⁵. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private VectorExp() {}

    /** e^x in every lane. */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(c(-LN2_HI), x);
        r = n.fma(c(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1).fma(r, c(P2)).fma(r, c(P3)).fma(r, c(P4)).fma(r, c(P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector scale = ((IntVector) t.viewAsIntegralLanes()).sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = y.mul((FloatVector) scale.viewAsFloatingLanes());
        e = e.blend(0f, x.compare(VectorOperators.LT, LOW));
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HIGH));
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(F, v);
    }

    /** e^x for one element: the operations of {@link #exp} in the same order, so the same bits. */
    static float scalar(float x) {
        float t = Math.fma(x, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        float e = y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUNDER_BITS - 127)) << 23);
        if (x < LOW) return 0f;
        if (x > HIGH) return Float.POSITIVE_INFINITY;
        return e;
    }

    /** {@code a[off + i] = e^(a[off + i] − shift)} for i in [0, n). */
    static void shiftedInPlace(float[] a, int off, int n, float shift) {
        int L = F.length(), i = 0;
        for (; i + L <= n; i += L) exp(FloatVector.fromArray(F, a, off + i).sub(shift)).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] = scalar(a[off + i] - shift);
    }
}
