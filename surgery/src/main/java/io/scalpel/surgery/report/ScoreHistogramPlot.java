package io.scalpel.surgery.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

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

        int[] hBase = histogram(base, lo, hi), hEdited = histogram(edited, lo, hi), hRandom = histogram(pooledRandom, lo, hi);
        // Pooled controls hold several samples per prompt; scale them to the base's count so heights compare.
        double randomScale = pooledRandom.length == 0 ? 1 : (double) base.length / pooledRandom.length;
        double yMax = 1;
        for (int i = 0; i < BINS; i++) yMax = Math.max(yMax, Math.max(Math.max(hBase[i], hEdited[i]), hRandom[i] * randomScale));

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            int panelW = WIDTH / 2;
            drawPanel(g, 0, panelW, "probe-direction edit (K=" + r.k() + ", α=" + r.alpha() + ")", lo, hi, yMax,
                    List.of(new Series("base", hBase, 1, BASE), new Series(r.edited().name(), hEdited, 1, EDITED)));
            drawPanel(g, panelW, panelW, "random-direction controls (" + randoms.size() + ", pooled)", lo, hi, yMax,
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

    private static void drawPanel(Graphics2D g, int x0, int w, String title, double lo, double hi, double yMax, List<Series> series) {
        int left = x0 + 60, right = x0 + w - 20, top = 40, bottom = HEIGHT - 60;
        int plotW = right - left, plotH = bottom - top;
        g.setColor(Color.BLACK);
        g.drawString(title, left, top - 15);
        double binW = (double) plotW / BINS;
        for (Series s : series) {
            g.setColor(s.color());
            for (int i = 0; i < BINS; i++) {
                int barH = (int) Math.round(s.counts()[i] * s.scale() / yMax * plotH);
                g.fillRect(left + (int) Math.round(i * binW), bottom - barH, (int) Math.ceil(binW) - 1, barH);
            }
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        for (int t = 0; t <= 4; t++) {
            int px = left + plotW * t / 4;
            g.drawLine(px, bottom, px, bottom + 4);
            String label = String.format(Locale.ROOT, "%.3g", lo + (hi - lo) * t / 4);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, bottom + 18);
            int py = bottom - plotH * t / 4;
            g.drawLine(left - 4, py, left, py);
            String count = String.format(Locale.ROOT, "%.0f", yMax * t / 4);
            g.drawString(count, left - 8 - g.getFontMetrics().stringWidth(count), py + 5);
        }
        g.drawString("behaviour score", left + plotW / 2 - 45, bottom + 38);
        int ly = top + 5;
        for (Series s : series) {
            g.setColor(s.color());
            g.fillRect(right - 150, ly, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(s.label() + (s.scale() != 1 ? " (scaled)" : ""), right - 130, ly + 12);
            ly += 20;
        }
    }
}
