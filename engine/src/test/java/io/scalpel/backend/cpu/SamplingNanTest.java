package io.scalpel.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** NaN in token choice, hand-checked: the rule the GPU kernels follow (sampling.cu), so both backends pick the same id. */
class SamplingNanTest {
    private static final float NAN = Float.NaN, NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void argmaxNeverPicksNaNEvenAtIndexZero() {
        assertEquals(2, Sampling.argmax(new float[] {NAN, 1f, 3f, 2f}, 0, 4), "a leading NaN must not win by default");
        assertEquals(1, Sampling.argmax(new float[] {-5f, 7f, NAN, 7f}, 0, 4), "lowest index on ties, NaN skipped");
        assertEquals(0, Sampling.argmax(new float[] {NAN, NAN, NAN}, 0, 3), "all NaN: 0");
        assertEquals(1, Sampling.argmax(new float[] {NAN, NEG_INF, NEG_INF}, 0, 3), "-inf is a value; NaN is not");
        assertEquals(2, Sampling.argmax(new float[] {9f, NAN, 1f, 2f}, 1, 3), "offsets count from the slice: 2f is element 2 of it");
    }

    @Test
    void sampleGivesNaNLogitsNoWeight() {
        // logits {NaN, 0, NaN, 0} at T=1: tokens 1 and 3 weigh 1 each, so u < 0.5 picks 1 and u >= 0.5 picks 3.
        float[] logits = {NAN, 0f, NAN, 0f};
        assertEquals(1, Sampling.sample(logits, 0, 4, 1f, 0, 1f, 0.0));
        assertEquals(1, Sampling.sample(logits, 0, 4, 1f, 0, 1f, 0.49));
        assertEquals(3, Sampling.sample(logits, 0, 4, 1f, 0, 1f, 0.5));
        assertEquals(3, Sampling.sample(logits, 0, 4, 1f, 0, 1f, 0.999));
        assertEquals(1, Sampling.sample(logits, 0, 4, 1f, 1, 1f, 0.999), "top-1 keeps the lower id of the two equal weights");
    }

    @Test
    void sampleWithNothingFiniteGivesZero() {
        assertEquals(0, Sampling.sample(new float[] {NAN, NAN}, 0, 2, 1f, 0, 1f, 0.7));
        assertEquals(0, Sampling.sample(new float[] {NEG_INF, NAN, NEG_INF}, 0, 3, 0.8f, 2, 0.9f, 0.3));
    }
}
