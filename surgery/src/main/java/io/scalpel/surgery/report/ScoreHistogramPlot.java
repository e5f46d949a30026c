package io.scalpel.surgery.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws the behaviour-score distributions as overlaid histograms: left, base vs probe-direction edit;
 * right, base vs all random-direction controls pooled. Both panels share bins and axes so their
 * shapes compare directly. Plain java.awt on a BufferedImage, headless.
 */
public final class ScoreHistogramPlot {
    static final int WIDTH = 1100, HEIGHT = 440, BINS = 20;
    private static final Color BASE = new Color(40, 100, 200, 120);
    private static final Color EDITED = new Color(230, 110, 20, 140);
    private static final Color RANDOM = new Color(120, 120, 120, 140);

    private ScoreHistogramPlot() {}

    public static BufferedImage render(EvaluationResult r) {
        // Must precede the first AWT call; respects an explicit setting by the user.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        double[] base = r.base().behaviourScores();
        double[] edited = r.edited().behaviourScores();
        List<double[]> randoms = r.randomControls().stream().map(ConditionScores::behaviourScores).toList();
        double[] pooledRandom = randoms.stream().flatMapToDouble(java.util.Arrays::stream).toArray();

        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] xs : List.of(base, edited, pooledRandom)) for (double x : xs) if (Double.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
        if (!(lo <= hi)) { lo = 0; hi = 1; }
        if (lo == hi) { lo -= 0.5; hi += 0.5; }
        // Bins span the nice tick range, so bin edges and tick labels line up.
        NiceTicks xTicks = NiceTicks.of(lo, hi, 5);
        lo = xTicks.min();
        hi = xTicks.max();

        int[] hBase = histogram(base, lo, hi), hEdited = histogram(edited, lo, hi), hRandom = histogram(pooledRandom, lo, hi);
        // Pooled controls hold several samples per prompt; scale them to the base's count so heights compare.
        double randomScale = pooledRandom.length == 0 ? 1 : (double) base.length / pooledRandom.length;
        double yMax = 1;
        for (int i = 0; i < BINS; i++) yMax = Math.max(yMax, Math.max(Math.max(hBase[i], hEdited[i]), hRandom[i] * randomScale));

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            PlotAxes.prepare(g, WIDTH, HEIGHT);
            int panelW = WIDTH / 2;
            NiceTicks yTicks = NiceTicks.of(0, yMax, 5);
            drawPanel(g, 0, panelW, "probe-direction edit (K=" + r.k() + ", α=" + r.alpha() + ")", xTicks, yTicks,
                    List.of(new Series("base", hBase, 1, BASE), new Series(r.edited().name(), hEdited, 1, EDITED)));
            drawPanel(g, panelW, panelW, "random-direction controls (" + randoms.size() + ", pooled)", xTicks, yTicks,
                    randoms.isEmpty() ? List.of(new Series("base", hBase, 1, BASE))
                            : List.of(new Series("base", hBase, 1, BASE), new Series("random", hRandom, randomScale, RANDOM)));
        } finally {
            g.dispose();
        }
        return img;
    }

    private record Series(String label, int[] counts, double scale, Color color) {}

    static int[] histogram(double[] xs, double lo, double hi) {
        int[] h = new int[BINS];
        for (double x : xs) {
            if (!Double.isFinite(x)) continue;
            int bin = (int) Math.floor((x - lo) / (hi - lo) * BINS);
            h[Math.clamp(bin, 0, BINS - 1)]++;
        }
        return h;
    }

    private static void drawPanel(Graphics2D g, int x0, int w, String title, NiceTicks xTicks, NiceTicks yTicks, List<Series> series) {
        PlotAxes axes = new PlotAxes(x0 + 70, x0 + w - 20, 40, HEIGHT - 60, xTicks, yTicks);
        g.setColor(Color.BLACK);
        g.drawString(title, axes.left(), axes.top() - 15);
        double binW = (double) axes.width() / BINS;
        for (Series s : series) {
            g.setColor(s.color());
            for (int i = 0; i < BINS; i++) {
                int barH = axes.bottom() - axes.py(s.counts()[i] * s.scale());
                g.fillRect(axes.left() + (int) Math.round(i * binW), axes.bottom() - barH, (int) Math.ceil(binW) - 1, barH);
            }
        }
        axes.draw(g, "behaviour score", "prompts");
        int ly = axes.top() + 5, right = axes.right();
        for (Series s : series) {
            g.setColor(s.color());
            g.fillRect(right - 150, ly, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(s.label() + (s.scale() != 1 ? " (scaled)" : ""), right - 130, ly + 12);
            ly += 20;
        }
    }
}
