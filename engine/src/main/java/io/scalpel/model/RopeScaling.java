package io.scalpel.model;

/**
 * How rotary frequencies are adjusted for long contexts. A closed set: none, Llama 3's piecewise
 * scaling (HF {@code rope_scaling.rope_type = "llama3"}), or per-frequency divisors as GGUF stores
 * them ({@code rope_freqs.weight}, which llama.cpp precomputes from the same Llama 3 rule).
 */
public sealed interface RopeScaling {

    /** Divides or keeps each base inverse frequency {@code invFreq[i] = theta^(-2i/headDim)}. */
    double scale(int i, double invFreq);

    record None() implements RopeScaling {
        @Override public double scale(int i, double invFreq) { return invFreq; }
    }

    /** Llama 3.1's rule: long wavelengths divided by {@code factor}, short ones kept, a smooth blend between. */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) implements RopeScaling {
        @Override public double scale(int i, double invFreq) {
            double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
            double highFreqWavelen = originalMaxPositions / highFreqFactor;
            double wavelen = 2 * Math.PI / invFreq;
            if (wavelen < highFreqWavelen) return invFreq;
            if (wavelen > lowFreqWavelen) return invFreq / factor;
            double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * invFreq / factor + smooth * invFreq;
        }
    }

    /** GGUF's {@code rope_freqs.weight}: one divisor per frequency. */
    record FrequencyFactors(float[] factors) implements RopeScaling {
        @Override public double scale(int i, double invFreq) { return invFreq / factors[i]; }
    }
}
