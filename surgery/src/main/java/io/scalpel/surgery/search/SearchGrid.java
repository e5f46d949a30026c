package io.scalpel.surgery.search;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The candidates a search tries: every (α, K, layer) combination, in that nesting order (layer
 * outermost, then K, then α), so one probe and one cosine ranking serve many candidates in a row.
 *
 * <p>Each axis is written as a comma-separated list of values or ranges {@code start:stop:step}
 * (stop included when the steps land on it), e.g. {@code 0.5,1,1.5} or {@code 0.5:2:0.5} or
 * {@code 4096,16384}; values are kept in the order given, duplicates dropped.
 */
public record SearchGrid(List<Float> alphas, List<Integer> topKs, List<Integer> layers) {
    /** Candidates at most: each costs (1 + controls) generations and scorings. */
    public static final int MAX_CANDIDATES = 10_000;

    public SearchGrid {
        alphas = List.copyOf(alphas);
        topKs = List.copyOf(topKs);
        layers = List.copyOf(layers);
        if (alphas.isEmpty() || topKs.isEmpty() || layers.isEmpty()) throw new IllegalArgumentException("every search axis needs a value");
        if ((long) alphas.size() * topKs.size() * layers.size() > MAX_CANDIDATES) {
            throw new IllegalArgumentException("the search has more than " + MAX_CANDIDATES + " candidates");
        }
    }

    public record Candidate(float alpha, int topK, int layer) {}

    public List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        for (int layer : layers) for (int k : topKs) for (float a : alphas) out.add(new Candidate(a, k, layer));
        return out;
    }

    public int size() { return alphas.size() * topKs.size() * layers.size(); }

    /** @param option the option's name, for messages */
    public static List<Float> parseFloats(String option, String spec) {
        List<BigDecimal> values = parse(option, spec);
        List<Float> out = new ArrayList<>();
        for (BigDecimal v : values) {
            float f = v.floatValue();
            if (!Float.isFinite(f)) throw new IllegalArgumentException(option + ": " + v + " is not a finite float");
            out.add(f);
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    public static List<Integer> parseInts(String option, String spec) {
        List<Integer> out = new ArrayList<>();
        for (BigDecimal v : parse(option, spec)) {
            try {
                out.add(v.intValueExact());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(option + ": " + v.toPlainString() + " is not a whole number");
            }
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    private static List<BigDecimal> parse(String option, String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException(option + ": give at least one value");
        List<BigDecimal> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) throw new IllegalArgumentException(option + ": empty item in \"" + spec + "\"");
            String[] r = p.split(":", -1);
            try {
                if (r.length == 1) {
                    out.add(new BigDecimal(p));
                } else if (r.length == 3) {
                    BigDecimal start = new BigDecimal(r[0].strip()), stop = new BigDecimal(r[1].strip()), step = new BigDecimal(r[2].strip());
                    if (step.signum() <= 0) throw new IllegalArgumentException(option + ": the step of \"" + p + "\" must be positive");
                    if (stop.compareTo(start) < 0) throw new IllegalArgumentException(option + ": \"" + p + "\" ends before it starts");
                    // BigDecimal so 0.5:2:0.5 gives exactly 0.5, 1, 1.5, 2 (no drifting float sum).
                    for (BigDecimal v = start; v.compareTo(stop) <= 0; v = v.add(step)) {
                        out.add(v);
                        if (out.size() > MAX_CANDIDATES) throw new IllegalArgumentException(option + ": \"" + p + "\" has more than " + MAX_CANDIDATES + " values");
                    }
                } else {
                    throw new IllegalArgumentException(option + ": \"" + p + "\" is neither a value nor start:stop:step");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": \"" + p + "\" is not a number or start:stop:step range");
            }
        }
        return out;
    }
}
