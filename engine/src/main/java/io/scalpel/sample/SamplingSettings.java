package io.scalpel.sample;

/**
 * How the next token is chosen. Temperature 0 means greedy (argmax, lowest id on ties).
 *
 * @param topK 0 = no limit
 * @param topP 1 = no limit
 */
public record SamplingSettings(float temperature, int topK, float topP, long seed) {
    public SamplingSettings {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }

    public static SamplingSettings greedy() { return new SamplingSettings(0f, 0, 1f, 0L); }

    public boolean isGreedy() { return temperature == 0f; }
}
