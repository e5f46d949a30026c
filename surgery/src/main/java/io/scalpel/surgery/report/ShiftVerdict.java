package io.scalpel.surgery.report;

import java.util.List;
import java.util.Locale;

/**
 * Whether the probe-direction edit moved the behaviour scores more than editing the same number of
 * rows along random directions did.
 *
 * <p>Rule: with Δ = the probe edit's paired mean shift from the base, SE its standard error, and
 * Δᵢ the random controls' shifts, the effect counts only when |Δ| &gt; max|Δᵢ| + 2·SE and Δ points
 * the intended way (down for α &gt; 0, up for α &lt; 0). Anything less is reported as not
 * distinguishable from random directions — on tiny models that is the expected, honest outcome.
 */
public record ShiftVerdict(Outcome outcome, SampleStatistics.Shift probeShift, List<SampleStatistics.Shift> randomShifts,
                           double threshold) {

    public enum Outcome {
        /** Larger than every random control by a margin, in the intended direction. */
        BEYOND_RANDOM,
        /** Within what random directions do. */
        NOT_DISTINGUISHABLE,
        /** Larger than the random controls, but the behaviour moved the wrong way. */
        OPPOSITE_DIRECTION,
        /** No random controls were run, so nothing can be attributed to the probe direction. */
        NO_CONTROLS
    }

    public static ShiftVerdict of(EvaluationResult r) {
        double[] base = r.base().behaviourScores();
        SampleStatistics.Shift probe = SampleStatistics.shift(base, r.edited().behaviourScores());
        List<SampleStatistics.Shift> random = r.randomControls().stream()
                .map(c -> SampleStatistics.shift(base, c.behaviourScores())).toList();
        if (random.isEmpty()) return new ShiftVerdict(Outcome.NO_CONTROLS, probe, random, Double.NaN);
        double maxRandom = random.stream().mapToDouble(s -> Math.abs(s.delta())).max().orElseThrow();
        double se = Double.isNaN(probe.standardError()) ? 0 : probe.standardError();
        double threshold = maxRandom + 2 * se;
        Outcome outcome;
        if (Double.isNaN(probe.delta()) || Math.abs(probe.delta()) <= threshold) outcome = Outcome.NOT_DISTINGUISHABLE;
        else if (Math.signum(probe.delta()) == -Math.signum(r.alpha())) outcome = Outcome.BEYOND_RANDOM;
        else outcome = Outcome.OPPOSITE_DIRECTION;
        return new ShiftVerdict(outcome, probe, random, threshold);
    }

    /** One sentence for the report and the console. */
    public String sentence() {
        String d = String.format(Locale.ROOT, "Δ = %+.4f ± %.4f", probeShift.delta(), probeShift.standardError());
        return switch (outcome) {
            case BEYOND_RANDOM -> String.format(Locale.ROOT,
                    "The probe-direction edit shifted the behaviour score beyond the random-direction controls (%s; |Δ| > max|Δrandom| + 2·SE = %.4f).",
                    d, threshold);
            case NOT_DISTINGUISHABLE -> String.format(Locale.ROOT,
                    "No behavioural effect beyond random-direction controls was measured: the probe-direction edit is not distinguishable from random directions (%s; |Δ| ≤ max|Δrandom| + 2·SE = %.4f).",
                    d, threshold);
            case OPPOSITE_DIRECTION -> String.format(Locale.ROOT,
                    "The probe-direction edit moved the behaviour score beyond the random controls but in the opposite direction to the one intended (%s; threshold %.4f).",
                    d, threshold);
            case NO_CONTROLS -> "No random-direction controls were run, so no shift (" + d + ") can be attributed to the probe direction.";
        };
    }
}
