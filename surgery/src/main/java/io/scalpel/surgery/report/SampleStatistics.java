package io.scalpel.surgery.report;

/** Mean and standard error of per-prompt scores. */
public final class SampleStatistics {
    private SampleStatistics() {}

    public static double mean(double[] x) {
        if (x.length == 0) return Double.NaN;
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /** Standard error of the mean: sample standard deviation (n − 1) / √n; NaN below 2 values. */
    public static double standardError(double[] x) {
        int n = x.length;
        if (n < 2) return Double.NaN;
        double m = mean(x), ss = 0;
        for (double v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }

    /**
     * Shift of the mean from {@code before} to {@code after} and its standard error. Same length means
     * the same prompts in the same order, so the paired differences are used (prompt-to-prompt
     * variation cancels); otherwise the two means are independent and their errors add in quadrature.
     */
    public static Shift shift(double[] before, double[] after) {
        if (before.length == after.length && before.length > 0) {
            double[] diff = new double[before.length];
            for (int i = 0; i < diff.length; i++) diff[i] = after[i] - before[i];
            return new Shift(mean(diff), standardError(diff), true);
        }
        double se = Math.hypot(standardError(before), standardError(after));
        return new Shift(mean(after) - mean(before), se, false);
    }

    /** A change of mean with its standard error; {@code paired} tells which formula gave the error. */
    public record Shift(double delta, double standardError, boolean paired) {}
}
