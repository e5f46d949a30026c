package io.scalpel.surgery.select;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GateRowSelectorTest {

    @Test
    void matchesAPlainFloat64Ranking() {
        Random rng = new Random(11);
        int hidden = 32;
        int[] widths = {50, 0, 77, 64}; // uneven on purpose: counts come from the arrays
        double[] v = new double[hidden];
        for (int j = 0; j < hidden; j++) v[j] = rng.nextGaussian();
        List<float[]> cosines = new ArrayList<>();
        List<double[]> exact = new ArrayList<>();
        for (int width : widths) {
            float[] c = new float[width];
            double[] e = new double[width];
            for (int r = 0; r < width; r++) {
                double dot = 0, nw = 0, nv = 0;
                for (int j = 0; j < hidden; j++) {
                    double w = rng.nextGaussian();
                    dot += w * v[j]; nw += w * w; nv += v[j] * v[j];
                }
                e[r] = dot / Math.sqrt(nw * nv);
                c[r] = (float) e[r];
            }
            cosines.add(c);
            exact.add(e);
        }
        int k = 40;
        Selection s = GateRowSelector.select(cosines, k);

        record Row(int layer, int row, double cos) {}
        List<Row> all = new ArrayList<>();
        for (int l = 0; l < widths.length; l++) for (int r = 0; r < widths[l]; r++) all.add(new Row(l, r, exact.get(l)[r]));
        // Rank on the cosines as the selector receives them (fp32), so float-rounding ties follow the tie rule.
        all.sort(Comparator.comparingDouble((Row x) -> (float) x.cos()).thenComparingInt(Row::layer).thenComparingInt(Row::row));

        assertEquals(k, s.size());
        int[] counts = new int[widths.length];
        for (int i = 0; i < k; i++) {
            assertEquals(all.get(i).layer(), s.layerOf(i), "rank " + i);
            assertEquals(all.get(i).row(), s.rowOf(i), "rank " + i);
            assertEquals((float) all.get(i).cos(), s.cosines()[i]);
            counts[s.layerOf(i)]++;
        }
        assertArrayEquals(counts, s.perLayerCount());
        assertEquals(191, s.totalRows());
        assertTrue(s.cosines()[0] < 0, "most anti-aligned first");
    }

    @Test
    void tiesGoToLowerLayerThenLowerRow() {
        List<float[]> cos = List.of(new float[]{0.5f, -0.2f, -0.0f}, new float[]{-0.2f, 0.0f, -0.2f});
        Selection s = GateRowSelector.select(cos, 5);
        int[][] expected = {{0, 1}, {1, 0}, {1, 2}, {0, 2}, {1, 1}};
        assertArrayEquals(expected, s.rows());
        assertArrayEquals(new int[]{2, 3}, s.perLayerCount());
    }

    @Test
    void defaultKIsThePapersShare() {
        assertEquals(16384, GateRowSelector.defaultK(352_256));
        assertEquals(Math.round(22 * 5632 * 16384.0 / 352256), GateRowSelector.defaultK(22 * 5632));
        assertEquals(1, GateRowSelector.defaultK(3));
        Selection s = GateRowSelector.selectDefault(List.of(new float[100], new float[100]));
        assertEquals(9, s.size()); // round(200 × 0.04651) = 9
    }

    @Test
    void badKAndNaNAreOneLineErrors() {
        List<float[]> cos = List.of(new float[4], new float[4]);
        var e = assertThrows(IllegalArgumentException.class, () -> GateRowSelector.select(cos, 9));
        assertTrue(e.getMessage().contains("--top-k 9") && e.getMessage().contains("8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GateRowSelector.select(cos, 0));
        assertThrows(IllegalArgumentException.class, () -> GateRowSelector.select(List.of(new float[]{Float.NaN}), 1));
    }
}
