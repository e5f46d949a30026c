package io.scalpel.ptx;

import java.math.BigDecimal;

/**
 * Floating-point semantics of PTX instructions that Java's operators do not give directly: the directed
 * rounding modes (.rz/.rm/.rp), flush-to-zero, .sat, PTX min/max NaN rules, saturating float→integer
 * conversion and f16/bf16 narrowing.
 *
 * <p>Directed rounding works from the exact result held as an unevaluated sum {@code hi + lo} of two
 * doubles (a product of two floats is exact in a double; TwoSum makes the sum exact), rounds it to nearest
 * float and steps one ulp when the exact value lies on the wrong side.
 *
 * <p>Approximate instructions ({@code ex2/lg2/rsqrt/rcp/div .approx}) are evaluated in double precision
 * and rounded to float: their error is at most 1 ulp (measured in {@code FloatMathTest}), inside PTX's
 * stated bounds (ex2.approx.f32: 2 ulp; rsqrt/rcp.approx: 1 ulp...), so a kernel that passes here may still see
 * up to those bounds on hardware.
 */
final class FloatMath {

    private FloatMath() {}

    static float f(long raw) { return Float.intBitsToFloat((int) raw); }

    static long bits(float v) { return Float.floatToRawIntBits(v) & 0xFFFF_FFFFL; }

    static double d(long raw) { return Double.longBitsToDouble(raw); }

    static long bits(double v) { return Double.doubleToRawLongBits(v); }

    static float ftz(float v) { return Math.abs(v) < Float.MIN_NORMAL ? Math.copySign(0f, v) : v; }

    static float sat(float v) { return Float.isNaN(v) ? 0f : Math.min(1f, Math.max(0f, v)); }

    static double sat(double v) { return Double.isNaN(v) ? 0.0 : Math.min(1.0, Math.max(0.0, v)); }

    /** Rounds the exact value {@code hi + lo} (|lo| at most half an ulp of hi in double) to a float. */
    static float round(double hi, double lo, int mode) {
        if (Double.isNaN(hi)) return Float.NaN;
        float f = (float) hi;
        if (Double.isInfinite(hi)) return f;
        if (Float.isInfinite(f)) {
            boolean positive = hi > 0;
            return switch (mode) {
                case Rounding.ZERO -> positive ? Float.MAX_VALUE : -Float.MAX_VALUE;
                case Rounding.DOWN -> positive ? Float.MAX_VALUE : f;
                case Rounding.UP -> positive ? f : -Float.MAX_VALUE;
                default -> f;
            };
        }
        double diff = hi - (double) f;
        int sign = diff > 0 ? 1 : diff < 0 ? -1 : Double.compare(lo, 0.0) > 0 ? 1 : lo < 0 ? -1 : 0;
        if (sign == 0) return f;
        switch (mode) {
            case Rounding.NEAREST -> {
                // hi exactly half-way between two floats: the double's own rounding lost which side lo is on.
                if (lo != 0 && Math.abs(diff) == Math.ulp(f) / 2 && Math.signum(lo) == Math.signum(diff)) {
                    return sign > 0 ? Math.nextUp(f) : Math.nextDown(f);
                }
                return f;
            }
            case Rounding.ZERO -> {
                if (f == 0) return Math.copySign(0f, sign);
                return (f > 0 && sign < 0) ? Math.nextDown(f) : (f < 0 && sign > 0) ? Math.nextUp(f) : f;
            }
            case Rounding.DOWN -> { return sign < 0 ? Math.nextDown(f) : f; }
            default -> { return sign > 0 ? Math.nextUp(f) : f; }
        }
    }

    /** Rounds {@code nearest} (the round-to-nearest double of an exact value) given the sign of exact − nearest. */
    static double roundDouble(double nearest, int sign, int mode) {
        if (sign == 0 || Double.isNaN(nearest) || Double.isInfinite(nearest)) return nearest;
        return switch (mode) {
            case Rounding.ZERO -> (nearest > 0 && sign < 0) ? Math.nextDown(nearest) : (nearest < 0 && sign > 0) ? Math.nextUp(nearest) : nearest;
            case Rounding.DOWN -> sign < 0 ? Math.nextDown(nearest) : nearest;
            case Rounding.UP -> sign > 0 ? Math.nextUp(nearest) : nearest;
            default -> nearest;
        };
    }

    static float add(float a, float b, int mode) {
        if (mode == Rounding.NEAREST) return a + b;
        double s = (double) a + (double) b;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return round(s, err, mode);
    }

    static float mul(float a, float b, int mode) {
        if (mode == Rounding.NEAREST) return a * b;
        return round((double) a * (double) b, 0, mode);
    }

    static float fma(float a, float b, float c, int mode) {
        if (mode == Rounding.NEAREST) return Math.fma(a, b, c);
        double p = (double) a * (double) b;
        if (Double.isInfinite(p) || Float.isInfinite(c) || Double.isNaN(p) || Float.isNaN(c)) return Math.fma(a, b, c);
        double s = p + c;
        double bb = s - p;
        double err = (p - (s - bb)) + (c - bb);
        return round(s, err, mode);
    }

    static float div(float a, float b, int mode) {
        float q = a / b;
        if (mode == Rounding.NEAREST || Float.isNaN(q) || Float.isInfinite(q) || b == 0) return q;
        double r = Math.fma(-(double) q, (double) b, (double) a); // exact − q, times b
        int sign = (int) Math.signum(r) * (b > 0 ? 1 : -1);
        return round(q, sign * Double.MIN_VALUE, mode);
    }

    static float sqrt(float a, int mode) {
        float s = (float) Math.sqrt(a);
        if (mode == Rounding.NEAREST || !(s > 0) || Float.isInfinite(s)) return s;
        double r = (double) a - (double) s * (double) s;
        return round(s, Math.signum(r) * Double.MIN_VALUE, mode);
    }

    static double add(double a, double b, int mode) {
        double s = a + b;
        if (mode == Rounding.NEAREST) return s;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return roundDouble(s, (int) Math.signum(err), mode);
    }

    static double mul(double a, double b, int mode) {
        double p = a * b;
        if (mode == Rounding.NEAREST || Double.isInfinite(p) || p == 0) return p;
        return roundDouble(p, (int) Math.signum(Math.fma(a, b, -p)), mode);
    }

    static double fma(double a, double b, double c, int mode) {
        double r = Math.fma(a, b, c);
        if (mode == Rounding.NEAREST || Double.isNaN(r) || Double.isInfinite(r)) return r;
        BigDecimal exact = new BigDecimal(a).multiply(new BigDecimal(b)).add(new BigDecimal(c));
        return roundDouble(r, exact.compareTo(new BigDecimal(r)), mode);
    }

    static double div(double a, double b, int mode) {
        double q = a / b;
        if (mode == Rounding.NEAREST || Double.isNaN(q) || Double.isInfinite(q) || b == 0) return q;
        BigDecimal exact = new BigDecimal(q).multiply(new BigDecimal(b));
        return roundDouble(q, new BigDecimal(a).compareTo(exact) * (b > 0 ? 1 : -1), mode);
    }

    /** PTX min/max: a NaN operand is ignored unless both are NaN. */
    static float min(float a, float b) {
        if (Float.isNaN(a)) return b;
        if (Float.isNaN(b)) return a;
        return Math.min(a, b);
    }

    static float max(float a, float b) {
        if (Float.isNaN(a)) return b;
        if (Float.isNaN(b)) return a;
        return Math.max(a, b);
    }

    static double min(double a, double b) { return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b); }

    static double max(double a, double b) { return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b); }

    /** Rounds to an integral value (.rni/.rzi/.rmi/.rpi). */
    static double integral(double v, int mode) {
        return switch (mode) {
            case Rounding.NEAREST -> Math.rint(v);
            case Rounding.ZERO -> v < 0 ? Math.ceil(v) : Math.floor(v);
            case Rounding.DOWN -> Math.floor(v);
            default -> Math.ceil(v);
        };
    }

    /** Saturating float→integer conversion of an already-integral value: NaN → 0, out of range → the nearest bound. */
    static long toInteger(double v, ScalarType to) {
        if (Double.isNaN(v)) return 0;
        return switch (to.bits) {
            case 64 -> to.signed ? (long) v : v <= 0 ? 0 : v >= 0x1p64 ? -1L : v >= 0x1p63 ? (long) (v - 0x1p63) ^ Long.MIN_VALUE : (long) v;
            default -> {
                double lo = to.signed ? -Math.pow(2, to.bits - 1) : 0, hi = to.signed ? Math.pow(2, to.bits - 1) - 1 : Math.pow(2, to.bits) - 1;
                yield to.normalize((long) Math.max(lo, Math.min(hi, v)));
            }
        };
    }

    /** The exact value of an integer register as the given type: hi (nearest double) and lo (remainder). */
    static double[] exactInteger(long raw, ScalarType from) {
        long v = from.normalize(raw);
        if (from.bits < 64 || (from.signed && Math.abs(v) < (1L << 53))) return new double[] {v, 0};
        BigDecimal exact = from.signed ? new BigDecimal(v) : new BigDecimal(Long.toUnsignedString(v));
        double hi = exact.doubleValue();
        return new double[] {hi, exact.subtract(new BigDecimal(hi)).doubleValue()};
    }

    static short toHalf(float v, int mode) {
        short h = Float.floatToFloat16(v);
        if (mode == Rounding.NEAREST || Float.isNaN(v)) return h;
        float back = Float.float16ToFloat(h);
        int sign = Float.compare(v, back);
        if (v == back || Float.isInfinite(v)) return h;
        return (short) step16(h, sign, mode, true);
    }

    static short toBfloat16(float v, int mode) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x0040);
        if (mode == Rounding.NEAREST) return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
        int truncated = bits >>> 16;
        float back = Float.intBitsToFloat(truncated << 16);
        if (back == v) return (short) truncated;
        return (short) step16(truncated, Float.compare(v, back), mode, false);
    }

    /** Moves a 16-bit float (truncated or nearest) one ulp when the directed mode needs the other neighbour. */
    private static int step16(int h, int sign, int mode, boolean half) {
        // sign: exact − value(h). Magnitude steps: +1 on the bit pattern moves away from zero.
        boolean negative = (h & 0x8000) != 0;
        boolean wantUp = switch (mode) {
            case Rounding.UP -> sign > 0;
            case Rounding.DOWN -> false;
            case Rounding.ZERO -> false;
            default -> false;
        };
        boolean wantDown = switch (mode) {
            case Rounding.DOWN -> sign < 0;
            default -> false;
        };
        boolean towardZero = mode == Rounding.ZERO && ((!negative && sign < 0) || (negative && sign > 0));
        int mag = h & 0x7FFF;
        if (towardZero) return mag == 0 ? h : h - 1;
        if (wantUp) return negative ? (mag == 0 ? 0x0001 : h - 1) : h + 1;
        if (wantDown) return negative ? h + 1 : (mag == 0 ? 0x8001 : h - 1);
        return h;
    }

    static float fromHalf(long raw) { return Float.float16ToFloat((short) raw); }

    static float fromBfloat16(long raw) { return Float.intBitsToFloat(((int) raw & 0xFFFF) << 16); }
}
