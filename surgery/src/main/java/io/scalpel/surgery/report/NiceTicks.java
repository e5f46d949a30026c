package io.scalpel.surgery.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis ticks at "nice" numbers (1, 2 or 5 times a power of ten) covering a data range, after
 * Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990). The axis runs from the first tick
 * to the last, and each label is printed with exactly the decimals its step needs, so a label never
 * rounds away from where its tick sits (the old histogram printed 1.75 as "2").
 *
 * @param values tick positions, ascending; the first and last are the axis ends
 * @param step   distance between ticks
 */
public record NiceTicks(List<Double> values, double step) {

    public static NiceTicks of(double lo, double hi, int approximateCount) {
        if (!(Double.isFinite(lo) && Double.isFinite(hi))) throw new IllegalArgumentException("tick range must be finite");
        if (hi < lo) { double t = lo; lo = hi; hi = t; }
        if (hi == lo) { double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1; lo -= pad; hi += pad; }
        double range = nice(hi - lo, false);
        double step = nice(range / Math.max(1, approximateCount - 1), true);
        double first = Math.floor(lo / step) * step, last = Math.ceil(hi / step) * step;
        List<Double> values = new ArrayList<>();
        long n = Math.round((last - first) / step);
        for (long i = 0; i <= n; i++) values.add(clean(first + i * step, step));
        return new NiceTicks(List.copyOf(values), step);
    }

    public double min() { return values.getFirst(); }

    public double max() { return values.getLast(); }

    /** The label of a tick: as many decimals as the step has, no more. */
    public String label(double value) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** 1, 2, 5 or 10 times the power of ten at or below x (rounded to the nearest when {@code round}). */
    static double nice(double x, boolean round) {
        double exp = Math.floor(Math.log10(x));
        double f = x / Math.pow(10, exp);
        double e = 1e-9; // a range like 0.332 − 0.312 = 0.02000000000000002 is 0.02
        double nf = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : (f <= 1 + e ? 1 : f <= 2 + e ? 2 : f <= 5 + e ? 5 : 10);
        return nf * Math.pow(10, exp);
    }

    /** Removes the float noise of first + i·step (0.30000000000000004 → 0.3). */
    private static double clean(double v, double step) {
        double scale = Math.pow(10, Math.max(0, (int) -Math.floor(Math.log10(step)) + 2));
        double r = Math.round(v * scale) / scale;
        return r == 0 ? 0 : r; // no "-0"
    }
}
