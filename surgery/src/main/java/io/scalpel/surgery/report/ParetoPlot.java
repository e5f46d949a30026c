package io.scalpel.surgery.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The search's trade-off at a glance: behaviour score (y, lower = less of the behaviour to avoid)
 * against KL(base ‖ edited) (x, lower = closer to the base model) for every candidate's edit (orange
 * dots) and its random-direction controls (grey crosses), the base model's score as a dashed line,
 * the Pareto front of the edits joined by a line, and the picked candidate ringed. Plain java.awt,
 * headless, as the report's histograms.
 */
public final class ParetoPlot {
    static final int WIDTH = 900, HEIGHT = 600;
    private static final Color EDIT = new Color(230, 110, 20);
    private static final Color CONTROL = new Color(120, 120, 120);
    private static final Color BASE = new Color(40, 100, 200);

    /** One plotted point; {@code label} names the candidate (e.g. "α=1 K=40"). */
    public record Point(double kl, double score, String label) {}

    private ParetoPlot() {}

    /**
     * @param edits     one point per candidate's probe-direction edit
     * @param front     per edit, whether it is on the Pareto front
     * @param picked    index into {@code edits} of the chosen candidate, or -1
     * @param controls  every control of every candidate
     * @param baseScore the unedited model's mean score
     */
    public static BufferedImage render(String title, String scoreName, List<Point> edits, boolean[] front, int picked,
                                       List<Point> controls, double baseScore) {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        double xMin = 0, xMax = 0, yMin = baseScore, yMax = baseScore;
        List<Point> all = new ArrayList<>(edits);
        all.addAll(controls);
        for (Point p : all) {
            if (Double.isFinite(p.kl())) xMax = Math.max(xMax, p.kl());
            if (Double.isFinite(p.score())) { yMin = Math.min(yMin, p.score()); yMax = Math.max(yMax, p.score()); }
        }
        if (!Double.isFinite(yMin)) { yMin = 0; yMax = 1; }
        PlotAxes axes = new PlotAxes(90, WIDTH - 30, 50, HEIGHT - 70, NiceTicks.of(xMin, xMax, 6), NiceTicks.of(yMin, yMax, 6));

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            PlotAxes.prepare(g, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.drawString(title, axes.left(), 25);
            axes.draw(g, "KL(base ‖ edited), nats per token (lower = closer to the base)", scoreName + " (lower = less of the behaviour)");

            if (Double.isFinite(baseScore)) {
                g.setColor(BASE);
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
                g.drawLine(axes.left(), axes.py(baseScore), axes.right(), axes.py(baseScore));
                g.drawString("base", axes.right() - 40, axes.py(baseScore) - 4);
            }
            g.setStroke(new BasicStroke(1.5f));
            g.setColor(CONTROL);
            for (Point p : controls) {
                if (!finite(p)) continue;
                int x = axes.px(p.kl()), y = axes.py(p.score());
                g.drawLine(x - 4, y - 4, x + 4, y + 4);
                g.drawLine(x - 4, y + 4, x + 4, y - 4);
            }
            List<Point> frontPoints = new ArrayList<>();
            for (int i = 0; i < edits.size(); i++) if (front[i] && finite(edits.get(i))) frontPoints.add(edits.get(i));
            frontPoints.sort(Comparator.comparingDouble(Point::kl));
            g.setColor(EDIT);
            g.setStroke(new BasicStroke(2f));
            for (int i = 1; i < frontPoints.size(); i++) {
                g.drawLine(axes.px(frontPoints.get(i - 1).kl()), axes.py(frontPoints.get(i - 1).score()),
                        axes.px(frontPoints.get(i).kl()), axes.py(frontPoints.get(i).score()));
            }
            for (int i = 0; i < edits.size(); i++) {
                Point p = edits.get(i);
                if (!finite(p)) continue;
                int x = axes.px(p.kl()), y = axes.py(p.score());
                g.setColor(EDIT);
                g.fill(new Ellipse2D.Double(x - 5, y - 5, 10, 10));
                g.setColor(Color.BLACK);
                // Only the front is labelled: off-front candidates crowd near KL = 0 and their labels would overlap.
                if (front[i]) g.drawString(p.label(), x + 8, y - 6);
                if (i == picked) {
                    g.setStroke(new BasicStroke(2f));
                    g.draw(new Ellipse2D.Double(x - 10, y - 10, 20, 20));
                }
            }
            legend(g, axes);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void legend(Graphics2D g, PlotAxes axes) {
        int x = axes.right() - 290, y = axes.top() + 10;
        g.setColor(EDIT);
        g.fillOval(x, y, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString("probe-direction edit (front joined, labelled)", x + 18, y + 10);
        g.setColor(CONTROL);
        g.drawLine(x, y + 20, x + 8, y + 28);
        g.drawLine(x, y + 28, x + 8, y + 20);
        g.setColor(Color.BLACK);
        g.drawString("random-direction controls", x + 18, y + 29);
        g.drawOval(x - 3, y + 37, 16, 16);
        g.drawString("picked (--pick)", x + 18, y + 49);
    }

    private static boolean finite(Point p) { return Double.isFinite(p.kl()) && Double.isFinite(p.score()); }
}
