package io.scalpel.surgery.report;

import io.scalpel.surgery.probe.ProbeMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The plain-language warnings of a report's verdict section. Thresholds (documented in the report too):
 * <ul>
 *   <li>fluency broke when a condition's perplexity is more than {@value #PERPLEXITY_RATIO}× the base's, or its
 *       KL(base ‖ condition) exceeds {@value #KL_NATS} nats — checked for the edit and for every control;</li>
 *   <li>the probe is not better than chance when the lower end of the 95% Wilson interval of its validation
 *       accuracy is at or below 50% (the same test on the training accuracy catches a probe worse than chance
 *       on its own training data).</li>
 * </ul>
 */
public final class ReportWarnings {
    public static final double PERPLEXITY_RATIO = 1.5;
    public static final double KL_NATS = 0.5;
    static final double Z95 = 1.959963984540054;

    private ReportWarnings() {}

    /** Wilson score interval for {@code accuracy} measured on {@code n} items, 95%: {lower, upper}. */
    public static double[] wilson(double accuracy, int n) {
        if (n <= 0) return new double[]{0, 1};
        double z2 = Z95 * Z95, denom = 1 + z2 / n;
        double centre = (accuracy + z2 / (2 * n)) / denom;
        double half = Z95 / denom * Math.sqrt(accuracy * (1 - accuracy) / n + z2 / (4.0 * n * n));
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** Why fluency broke for one condition, or null when it held. */
    public static String fluency(ConditionScores base, ConditionScores c) {
        List<String> why = new ArrayList<>();
        double ratio = c.perplexity() / base.perplexity();
        if (Double.isFinite(ratio) && ratio > PERPLEXITY_RATIO) {
            why.add(fmt("perplexity %s → %s (×%.2f > %.1f)", g4(base.perplexity()), g4(c.perplexity()), ratio, PERPLEXITY_RATIO));
        }
        if (c.klToBase() > KL_NATS) why.add(fmt("KL(base ‖ ·) = %s nats > %.1f", g4(c.klToBase()), KL_NATS));
        return why.isEmpty() ? null : String.join(", ", why);
    }

    /** Every warning for one evaluation, most important first; {@code dataProblems} are the training-data checks run with --force. */
    public static List<String> of(EvaluationResult r, List<String> dataProblems) {
        List<String> out = new ArrayList<>();
        String edit = fluency(r.base(), r.edited());
        if (edit != null) out.add("The edit broke fluency: " + edit + ". Lower α or K.");
        List<String> controls = new ArrayList<>();
        for (ConditionScores c : r.randomControls()) {
            String f = fluency(r.base(), c);
            if (f != null) controls.add(c.name() + ": " + f);
        }
        if (!controls.isEmpty()) {
            out.add("Random-direction controls of the same size broke fluency too (" + String.join("; ", controls)
                    + "): an edit this large damages the model whatever its direction, so behaviour shifts here say little.");
        }
        ProbeMetadata p = r.probe();
        double[] val = wilson(p.validationAccuracy(), p.validationCount());
        if (p.validationCount() > 0 && val[0] <= 0.5) {
            out.add(fmt("The probe is not better than chance: validation accuracy %.1f%% on %d texts, 95%% Wilson interval %.1f–%.1f%% "
                    + "includes 50%%. Its direction is not a reliable behaviour direction; more or cleaner data, another layer, "
                    + "or --solver logistic-regression may help.", 100 * p.validationAccuracy(), p.validationCount(), 100 * val[0], 100 * val[1]));
        }
        double[] train = wilson(p.trainAccuracy(), p.trainCount());
        if (p.trainCount() > 0 && train[1] <= 0.5) {
            out.add(fmt("The probe is worse than chance on its own training data (%.1f%% of %d): it did not fit.",
                    100 * p.trainAccuracy(), p.trainCount()));
        }
        for (String d : dataProblems) out.add("Training data: " + d + " (run with --force).");
        return out;
    }

    /** Four significant digits without trailing zeros: 8 → "8", 36.04 → "36.04". */
    static String g4(double x) {
        return new java.math.BigDecimal(x).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String fmt(String f, Object... a) { return String.format(Locale.ROOT, f, a); }
}
