package io.scalpel.surgery.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;

/**
 * A plot's frame: a pixel box, x and y axes with ticks at nice numbers ({@link NiceTicks}), and the
 * mapping from data values to pixels. Shared by the report's histograms and the search's Pareto plot.
 *
 * @param left   pixel x of the y axis; {@code right} the plot's right edge
 * @param top    pixel y of the plot's top; {@code bottom} that of the x axis
 */
public record PlotAxes(int left, int right, int top, int bottom, NiceTicks x, NiceTicks y) {

    /** Anti-aliased drawing, a white background and the plots' font. */
    public static void prepare(Graphics2D g, int width, int height) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    }

    public int px(double value) { return left + (int) Math.round((value - x.min()) / (x.max() - x.min()) * (right - left)); }

    public int py(double value) { return bottom - (int) Math.round((value - y.min()) / (y.max() - y.min()) * (bottom - top)); }

    public int width() { return right - left; }

    public int height() { return bottom - top; }

    /** Draws the axes, every tick with its label, and the axis titles. */
    public void draw(Graphics2D g, String xTitle, String yTitle) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        var fm = g.getFontMetrics();
        for (double t : x.values()) {
            int p = px(t);
            g.drawLine(p, bottom, p, bottom + 4);
            String label = x.label(t);
            g.drawString(label, p - fm.stringWidth(label) / 2, bottom + 18);
        }
        for (double t : y.values()) {
            int p = py(t);
            g.drawLine(left - 4, p, left, p);
            String label = y.label(t);
            g.drawString(label, left - 8 - fm.stringWidth(label), p + 5);
        }
        g.drawString(xTitle, left + width() / 2 - fm.stringWidth(xTitle) / 2, bottom + 38);
        var old = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yTitle, -(top + height() / 2 + fm.stringWidth(yTitle) / 2), left - 48);
        g.setTransform(old);
    }
}
