package io.scalpel.model;

/**
 * How rotary frequencies are adjusted for long contexts. A closed set: none, Llama 3's piecewise
 * scaling (HF {@code rope_scaling.rope_type = "llama3"}), or per-frequency divisors as GGUF stores
 * them ({@code rope_freqs.weight}, which llama.cpp precomputes from the same Llama 3 rule).
 */
public sealed interface RopeScaling {

    /** Divides or keeps each base inverse frequency {@code invFreq[i] = theta^(-2i/headDim)}. */
    double scale(int i, double invFreq);

    /** Refuses parameters that would make a frequency zero, infinite or NaN (and so every logit NaN). */
    void validate(int headDim);

    record None() implements RopeScaling {
        @Override public double scale(int i, double invFreq) { return invFreq; }

        @Override public void validate(int headDim) {}
    }

    /** Llama 3.1's rule: long wavelengths divided by {@code factor}, short ones kept, a smooth blend between. */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) implements RopeScaling {
        @Override public void validate(int headDim) {
            if (!(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("rope_scaling.factor must be a finite number > 0, got " + factor);
            if (!(lowFreqFactor > 0) || Double.isInfinite(lowFreqFactor)) throw new IllegalArgumentException("rope_scaling.low_freq_factor must be a finite number > 0, got " + lowFreqFactor);
            if (!(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling.high_freq_factor (" + highFreqFactor + ") must be finite and above low_freq_factor (" + lowFreqFactor + ")");
            }
            if (originalMaxPositions <= 0) throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be positive, got " + originalMaxPositions);
        }

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

        @Override public void validate(int headDim) {
            if (factors.length != headDim / 2) throw new IllegalArgumentException("rope_freqs has " + factors.length + " values, head_dim / 2 is " + headDim / 2);
            for (int i = 0; i < factors.length; i++) {
                if (!(factors[i] > 0) || Float.isInfinite(factors[i])) throw new IllegalArgumentException("rope_freqs[" + i + "] is " + factors[i] + ", not a finite number > 0");
            }
        }
    }
}
