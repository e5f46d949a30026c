package io.scalpel.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantize → decode on Gaussian weights (as model weights are), plus awkward blocks (all zero, constant,
 * one outlier, all positive): the error stays inside what each format's step allows, and quantizing the
 * decoded values again gives the same bytes.
 */
class QuantizerRoundTripTest {

    static Stream<BlockCodec> codecs() {
        return Stream.of(Q8_0Codec.INSTANCE, Q4_0Codec.INSTANCE, Q4KCodec.INSTANCE, Q6KCodec.INSTANCE);
    }

    /**
     * RMS error relative to the data's RMS on N(0, 1) blocks: bounded by each format's step (range / levels,
     * RMS ≈ step/√12) with margin — Q8_0 ~0.005, Q6_K ~0.02, Q4_0 and Q4_K ~0.08 measured.
     */
    private static double rmsBound(BlockCodec c) {
        return switch (c) {
            case Q8_0Codec q -> 0.008;
            case Q6KCodec q -> 0.03;
            case Q4_0Codec q -> 0.12;
            case Q4KCodec q -> 0.12;
        };
    }

    private static float[] rows(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static byte[] encode(BlockCodec c, float[] x) {
        byte[] out = new byte[x.length / c.blockSize() * c.blockBytes()];
        c.encodeRow(x, 0, x.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    private static float[] decode(BlockCodec c, byte[] bytes, int n) {
        float[] out = new float[n];
        c.decodeRow(MemorySegment.ofArray(bytes), 0, n, out, 0);
        return out;
    }

    @ParameterizedTest @MethodSource("codecs")
    void gaussianErrorIsWithinTheFormatsStep(BlockCodec c) {
        int n = 64 * 256;
        float[] x = rows(n, 7);
        float[] y = decode(c, encode(c, x), n);
        double err = 0, norm = 0;
        for (int i = 0; i < n; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            norm += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(err / norm);
        assertTrue(rel < rmsBound(c), c.getClass().getSimpleName() + " relative RMS error " + rel);
        assertTrue(rel > rmsBound(c) / 20, "suspiciously exact: " + rel); // a codec storing floats would pass the bound
    }

    @ParameterizedTest @MethodSource("codecs")
    void perElementErrorOfTheSymmetricTypesIsHalfAStep(BlockCodec c) {
        if (!(c instanceof Q8_0Codec) && !(c instanceof Q4_0Codec)) return;
        float[] x = rows(32 * 64, 11);
        byte[] q = encode(c, x);
        float[] y = decode(c, q, x.length);
        MemorySegment s = MemorySegment.ofArray(q);
        for (int b = 0; b < x.length / 32; b++) {
            float d = Math.abs(HalfScale.get(s, (long) b * c.blockBytes()));
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                // Q8_0: nearest level (½ step), plus the fp16 rounding of d times |q| ≤ 127; Q4_0: the positive
                // side of a block whose extreme is negative (or vice versa) clamps at 7 steps, so up to a whole step.
                double bound = (c instanceof Q8_0Codec ? 0.5 : 1.0) * d + Math.abs(x[i]) * 0x1p-10;
                assertTrue(Math.abs(x[i] - y[i]) <= bound, "element " + i + ": " + x[i] + " decoded " + y[i] + ", step " + d);
            }
        }
    }

    @ParameterizedTest @MethodSource("codecs")
    void quantizingTheDecodedValuesGivesTheSameBytes(BlockCodec c) {
        float[] x = rows(32 * 256, 3);
        byte[] q = encode(c, x);
        assertArrayEquals(q, encode(c, decode(c, q, x.length)));
    }

    @ParameterizedTest @MethodSource("codecs")
    void awkwardBlocksDecodeSensibly(BlockCodec c) {
        int n = c.blockSize();
        float[] zeros = decode(c, encode(c, new float[n]), n);
        for (float v : zeros) assertEquals(0f, v, 0f, "zeros decode to ±0"); // Q4_0, Q6_K give −0 as ggml does

        float[] constant = new float[n];
        Arrays.fill(constant, 0.25f);
        float[] back = decode(c, encode(c, constant), n);
        for (float v : back) assertEquals(0.25f, v, 0.25f * 0.02, c + " constant block");

        float[] outlier = new float[n];
        outlier[n / 2] = -3f;
        back = decode(c, encode(c, outlier), n);
        assertEquals(-3f, back[n / 2], 3f * 0.02, "the outlier keeps its value");
        for (int i = 0; i < n; i++) if (i != n / 2) assertEquals(0f, back[i], 3f * 0.07, "zeros beside an outlier");

        float[] positive = rows(n, 5);
        for (int i = 0; i < n; i++) positive[i] = Math.abs(positive[i]) + 1f;
        back = decode(c, encode(c, positive), n);
        for (int i = 0; i < n; i++) assertEquals(positive[i], back[i], 0.35, "all-positive block, element " + i);
    }
}
