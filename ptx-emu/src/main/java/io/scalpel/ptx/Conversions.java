package io.scalpel.ptx;

/** {@code cvt}: every source/destination type pair, with the instruction's rounding, .ftz and .sat. */
final class Conversions {

    private Conversions() {}

    static long convert(Instruction in, long raw) {
        ScalarType to = in.type, from = in.from;
        if (!to.floating && !from.floating) return to.normalize(from.normalize(raw));
        if (!to.floating) {
            double v = FloatMath.integral(floatValue(from, raw, in.ftz), in.mode);
            return to.normalize(FloatMath.toInteger(v, to));
        }
        switch (to) {
            case F64 -> {
                double v;
                if (from.floating) {
                    v = floatValue(from, raw, in.ftz);
                    if (in.integerRounding) v = FloatMath.integral(v, in.mode);
                } else {
                    double[] exact = FloatMath.exactInteger(raw, from);
                    v = FloatMath.roundDouble(exact[0], (int) Math.signum(exact[1]), in.mode);
                }
                return FloatMath.bits(in.sat ? FloatMath.sat(v) : v);
            }
            case F32 -> {
                float v;
                if (from == ScalarType.F64) {
                    double x = FloatMath.d(raw);
                    v = FloatMath.round(x, 0, in.mode);
                } else if (from.floating) {
                    v = (float) floatValue(from, raw, in.ftz);
                    if (in.integerRounding) v = (float) FloatMath.integral(v, in.mode);
                } else {
                    double[] exact = FloatMath.exactInteger(raw, from);
                    v = FloatMath.round(exact[0], exact[1], in.mode);
                }
                if (in.ftz) v = FloatMath.ftz(v);
                if (in.sat) v = FloatMath.sat(v);
                return FloatMath.bits(v);
            }
            default -> {
                float v;
                if (from.floating) {
                    v = (float) floatValue(from, raw, in.ftz);
                    if (from == ScalarType.F64) v = FloatMath.round(FloatMath.d(raw), 0, in.mode); // double→16-bit rounds twice; not used by the kernels
                } else {
                    double[] exact = FloatMath.exactInteger(raw, from);
                    v = FloatMath.round(exact[0], exact[1], in.mode);
                }
                if (in.sat) v = FloatMath.sat(v);
                short h = to == ScalarType.F16 ? FloatMath.toHalf(v, in.mode) : FloatMath.toBfloat16(v, in.mode);
                return h & 0xFFFFL;
            }
        }
    }

    private static double floatValue(ScalarType from, long raw, boolean ftz) {
        return switch (from) {
            case F16 -> FloatMath.fromHalf(raw);
            case BF16 -> FloatMath.fromBfloat16(raw);
            case F32 -> ftz ? FloatMath.ftz(FloatMath.f(raw)) : FloatMath.f(raw);
            default -> FloatMath.d(raw);
        };
    }
}
