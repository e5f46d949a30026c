package io.scalpel.ptx;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rounding modes against exact BigDecimal arithmetic; conversions against hand-computed bit patterns; approximation error bounds. */
class FloatMathTest {

    private static float directed(BigDecimal exact, int mode) {
        // The float nearest below and above the exact value, by BigDecimal comparison.
        float f = exact.floatValue();
        BigDecimal bf = new BigDecimal(f);
        float below = bf.compareTo(exact) <= 0 ? f : Math.nextDown(f), above = bf.compareTo(exact) >= 0 ? f : Math.nextUp(f);
        return switch (mode) {
            case Rounding.DOWN -> below;
            case Rounding.UP -> above;
            case Rounding.ZERO -> exact.signum() >= 0 ? below : above;
            default -> f;
        };
    }

    @Test
    void directedRoundingOfAddMulFmaIsExact() {
        Random rnd = new Random(3);
        for (int i = 0; i < 20000; i++) {
            float a = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 20));
            float b = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 20));
            float c = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 20));
            BigDecimal ba = new BigDecimal(a), bb = new BigDecimal(b), bc = new BigDecimal(c);
            for (int mode : new int[] {Rounding.NEAREST, Rounding.ZERO, Rounding.DOWN, Rounding.UP}) {
                if (mode != Rounding.NEAREST) {
                    assertEquals(directed(ba.add(bb), mode), FloatMath.add(a, b, mode), a + " + " + b + " mode " + mode);
                    assertEquals(directed(ba.multiply(bb), mode), FloatMath.mul(a, b, mode), a + " * " + b + " mode " + mode);
                    assertEquals(directed(ba.multiply(bb).add(bc), mode), FloatMath.fma(a, b, c, mode), "fma mode " + mode);
                    assertEquals(directed(ba.divide(bb, MathContext.DECIMAL128), mode), FloatMath.div(a, b, mode), a + " / " + b + " mode " + mode);
                } else {
                    assertEquals(ba.multiply(bb).add(bc).floatValue(), FloatMath.fma(a, b, c, mode));
                }
            }
        }
    }

    @Test
    void sixteenBitNarrowingRoundsToNearestEven() {
        // 1 + 2^-11 is half-way between two halves (1 and 1 + 2^-10): ties to even → 1.0 (0x3C00); 1 + 3·2^-11 → 0x3C02.
        assertEquals((short) 0x3C00, FloatMath.toHalf(1f + 0x1p-11f, Rounding.NEAREST));
        assertEquals((short) 0x3C02, FloatMath.toHalf(1f + 3 * 0x1p-11f, Rounding.NEAREST));
        assertEquals((short) 0x3C01, FloatMath.toHalf(1f + 0x1p-11f, Rounding.UP));
        assertEquals((short) 0x7C00, FloatMath.toHalf(70000f, Rounding.NEAREST), "overflow to +inf");
        // bf16: 1 + 2^-8 is half-way between 1 (0x3F80) and 1 + 2^-7 (0x3F81) → even 0x3F80; 1 + 3·2^-8 → 0x3F82.
        assertEquals((short) 0x3F80, FloatMath.toBfloat16(1f + 0x1p-8f, Rounding.NEAREST));
        assertEquals((short) 0x3F82, FloatMath.toBfloat16(1f + 3 * 0x1p-8f, Rounding.NEAREST));
        assertEquals((short) 0x3F81, FloatMath.toBfloat16(1f + 0x1p-8f, Rounding.UP));
        assertEquals((short) 0xBF80, FloatMath.toBfloat16(-1f - 0x1p-8f, Rounding.ZERO));
        assertTrue(Float.isNaN(FloatMath.fromBfloat16(FloatMath.toBfloat16(Float.NaN, Rounding.NEAREST))));
    }

    @Test
    void floatToIntegerSaturatesAndNanIsZero() {
        assertEquals(0, FloatMath.toInteger(Double.NaN, ScalarType.S32));
        assertEquals(Integer.MAX_VALUE, FloatMath.toInteger(1e20, ScalarType.S32));
        assertEquals(0xFFFF_FFFFL, FloatMath.toInteger(1e20, ScalarType.U32));
        assertEquals(0, FloatMath.toInteger(-5, ScalarType.U64));
        assertEquals(-1L, FloatMath.toInteger(1e30, ScalarType.U64));
        assertEquals(0x8000_0000_0000_0000L, FloatMath.toInteger(0x1p63, ScalarType.U64));
        assertEquals(2.0, FloatMath.integral(2.5, Rounding.NEAREST));
        assertEquals(-2.0, FloatMath.integral(-2.5, Rounding.ZERO));
    }

    @Test
    void ptxMinMaxIgnoreOneNan() {
        assertEquals(1f, FloatMath.max(Float.NaN, 1f));
        assertEquals(1f, FloatMath.min(1f, Float.NaN));
        assertTrue(Float.isNaN(FloatMath.max(Float.NaN, Float.NaN)));
    }

    /** The interpreter's approximate instructions stay within 1 ulp of the exact value (PTX allows 2 ulp for ex2, 1-2 for the others). */
    @Test
    void approximateInstructionsAreWithinOneUlp() {
        Random rnd = new Random(5);
        for (Op op : new Op[] {Op.EX2, Op.RSQRT, Op.RCP, Op.LG2}) {
            Instruction in = new Instruction();
            in.op = op;
            in.type = ScalarType.F32;
            in.integerRounding = true; // .approx
            in.ftz = true;
            for (int i = 0; i < 5000; i++) {
                float x = op == Op.EX2 ? (float) (rnd.nextDouble() * 200 - 100) : (float) Math.exp(rnd.nextDouble() * 80 - 40);
                float got = FloatMath.f(BlockExecution.unaryFloat(in, FloatMath.bits(x)));
                double exact = switch (op) {
                    case EX2 -> Math.pow(2.0, x);
                    case RSQRT -> 1 / Math.sqrt(x);
                    case RCP -> 1.0 / x;
                    default -> Math.log(x) / Math.log(2);
                };
                assertTrue(Math.abs(got - exact) <= Math.ulp(got), op + "(" + x + ") = " + got + ", exact " + exact);
            }
        }
        Instruction ex2 = new Instruction();
        ex2.op = Op.EX2; ex2.type = ScalarType.F32; ex2.integerRounding = true; ex2.ftz = true;
        assertEquals(0f, FloatMath.f(BlockExecution.unaryFloat(ex2, FloatMath.bits(-140f))), "subnormal result flushed to zero");
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.f(BlockExecution.unaryFloat(ex2, FloatMath.bits(Float.POSITIVE_INFINITY))));
    }
}
