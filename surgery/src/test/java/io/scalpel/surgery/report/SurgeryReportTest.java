package io.scalpel.surgery.report;

import io.scalpel.surgery.probe.ProbeMetadata;
import io.scalpel.surgery.probe.ProbeSolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SurgeryReportTest {
    @TempDir Path dir;

    private static final ProbeMetadata ADAM = new ProbeMetadata(ProbeSolver.ADAM, 0.62, 0.55, 0.58, 0.01, 0.9998, 108, 12, true, 63, "adam");

    private static double[] scores(long seed, int n, double mean) {
        Random rng = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = mean + 0.1 * rng.nextGaussian();
        return x;
    }

    private static double[] shifted(double[] x, double delta, long seed, double noise) {
        Random rng = new Random(seed);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] + delta + noise * rng.nextGaussian();
        return y;
    }

    private static EvaluationResult result(double probeDelta, double randomDelta, float alpha, int controls) {
        double[] base = scores(1, 40, 0.5);
        var randoms = new java.util.ArrayList<ConditionScores>();
        for (int i = 0; i < controls; i++) randoms.add(new ConditionScores("random " + (i + 1), shifted(base, randomDelta * (i % 2 == 0 ? 1 : -1), 10 + i, 0.01), 12.5, 0.2, 0.01));
        return new EvaluationResult("tiny-llama", "toxicity", "probe P(avoid)", 9, 200, alpha, 4, ADAM,
                new ConditionScores("base", base, 12.3, Double.NaN, 0),
                new ConditionScores("probe edit", shifted(base, probeDelta, 3, 0.01), 12.6, 0.25, 0.02), randoms);
    }

    @Test
    void statistics() {
        assertEquals(2.5, SampleStatistics.mean(new double[]{1, 2, 3, 4}));
        assertEquals(Math.sqrt(5.0 / 3) / 2, SampleStatistics.standardError(new double[]{1, 2, 3, 4}), 1e-15);
        assertTrue(Double.isNaN(SampleStatistics.standardError(new double[]{1})));
        var paired = SampleStatistics.shift(new double[]{1, 2, 3}, new double[]{2, 3, 4.5});
        assertTrue(paired.paired());
        assertEquals(7.0 / 6, paired.delta(), 1e-12);
        var unpaired = SampleStatistics.shift(new double[]{1, 2, 3}, new double[]{2, 4});
        assertFalse(unpaired.paired());
        assertEquals(1.0, unpaired.delta(), 1e-12);
        assertEquals(Math.hypot(SampleStatistics.standardError(new double[]{1, 2, 3}), SampleStatistics.standardError(new double[]{2, 4})), unpaired.standardError(), 1e-15);
    }

    @Test
    void verdictOutcomes() {
        assertEquals(ShiftVerdict.Outcome.BEYOND_RANDOM, ShiftVerdict.of(result(-0.2, 0.01, 1.08f, 3)).outcome());
        assertEquals(ShiftVerdict.Outcome.NOT_DISTINGUISHABLE, ShiftVerdict.of(result(-0.02, 0.03, 1.08f, 3)).outcome());
        assertEquals(ShiftVerdict.Outcome.OPPOSITE_DIRECTION, ShiftVerdict.of(result(0.2, 0.01, 1.08f, 3)).outcome());
        assertEquals(ShiftVerdict.Outcome.BEYOND_RANDOM, ShiftVerdict.of(result(0.2, 0.01, -1f, 3)).outcome(), "negative α pushes the behaviour up");
        assertEquals(ShiftVerdict.Outcome.NO_CONTROLS, ShiftVerdict.of(result(-0.2, 0, 1f, 0)).outcome());
        assertTrue(ShiftVerdict.of(result(-0.02, 0.03, 1.08f, 3)).sentence().startsWith("No behavioural effect beyond random-direction controls was measured"));
    }

    @Test
    void writesMarkdownAndPng() throws Exception {
        var written = SurgeryReport.write(dir.resolve("out"), result(-0.01, 0.02, 1.08f, 4), List.of());
        String md = Files.readString(written.markdown());
        assertTrue(md.contains("**Verdict:** No behavioural effect beyond random-direction controls was measured"), md);
        assertTrue(md.contains("| probe edit | 40 |"), md);
        assertTrue(md.contains("random 4"), md);
        assertTrue(md.contains("still 100% aligned with its random initialisation"), md);
        assertTrue(md.contains("9 of 200 gate_proj rows (4.50%)"), md);
        assertTrue(md.contains("not tested (fixed budget of 63 steps)") && !md.contains("| yes |"), "Adam is never reported as converged:\n" + md);
        assertTrue(md.contains("**Warning:** The probe is not better than chance: validation accuracy 55.0% on 12 texts"), md);
        assertFalse(md.contains("broke fluency"), md);
        BufferedImage png = ImageIO.read(written.plot().toFile());
        assertEquals(ScoreHistogramPlot.WIDTH, png.getWidth());
        assertEquals(ScoreHistogramPlot.HEIGHT, png.getHeight());
        try (var files = Files.list(dir.resolve("out"))) {
            assertEquals(2, files.count(), "no temporary files left");
        }
    }

    private static final ProbeMetadata GOOD = new ProbeMetadata(ProbeSolver.LOGISTIC_REGRESSION, 0.97, 0.95, 2.0, Double.NaN, Double.NaN,
            900, 100, true, 7, "lr");

    private static EvaluationResult withConditions(ProbeMetadata probe, double editPerplexity, double editKl, double controlPerplexity) {
        double[] base = scores(1, 40, 0.5);
        return new EvaluationResult("m", "b", "probe P(avoid)", 9, 200, 1f, 4, probe, new ConditionScores("base", base, 8, Double.NaN, 0),
                new ConditionScores("probe direction", shifted(base, -0.01, 3, 0.01), editPerplexity, 0.3, editKl),
                List.of(new ConditionScores("random direction 1", shifted(base, 0.01, 4, 0.01), controlPerplexity, 0.3, 0.01)));
    }

    @Test
    void theStoredEditErrorIsStatedWhenMeasured() {
        double[] base = scores(1, 40, 0.5);
        EvaluationResult quantized = new EvaluationResult("m", "b", "probe P(avoid)", 9, 200, 1f, 4, GOOD,
                new ConditionScores("base", base, 8, Double.NaN, 0),
                new ConditionScores("probe direction", shifted(base, -0.01, 3, 0.01), 8, 0.3, 0.01, 0.0754),
                List.of(new ConditionScores("random direction 1", shifted(base, 0.01, 4, 0.01), 8, 0.3, 0.01, 0.0761)));
        String md = SurgeryReport.markdown(quantized, ShiftVerdict.of(quantized), List.of());
        assertTrue(md.contains("‖stored − (w + αv)‖ / ‖αv‖ over the edited rows = 0.0754"), md);
        EvaluationResult unmeasured = withConditions(GOOD, 8, 0.01, 8);
        assertFalse(SurgeryReport.markdown(unmeasured, ShiftVerdict.of(unmeasured), List.of()).contains("Stored edit"));
    }

    @Test
    void warningsSayWhenFluencyBrokeAndStayQuietWhenNothingIsWrong() {
        List<String> broken = ReportWarnings.of(withConditions(GOOD, 36, 0.2, 275), List.of());
        assertEquals(2, broken.size(), broken.toString());
        assertTrue(broken.get(0).startsWith("The edit broke fluency: perplexity 8 → 36 (×4.50 > 1.5)"), broken.get(0));
        assertTrue(broken.get(1).contains("random direction 1: perplexity 8 → 275"), broken.get(1));
        List<String> kl = ReportWarnings.of(withConditions(GOOD, 8.5, 0.9, 8.2), List.of());
        assertEquals(List.of("The edit broke fluency: KL(base ‖ ·) = 0.9 nats > 0.5. Lower α or K."), kl);
        assertEquals(List.of(), ReportWarnings.of(withConditions(GOOD, 8.5, 0.1, 8.2), List.of()));
        String quiet = SurgeryReport.verdictSection(ShiftVerdict.of(withConditions(GOOD, 8.5, 0.1, 8.2)), List.of());
        assertTrue(quiet.contains("No warnings"), quiet);
        List<String> data = ReportWarnings.of(withConditions(GOOD, 8.5, 0.1, 8.2), List.of("only 2 avoid texts"));
        assertEquals(List.of("Training data: only 2 avoid texts (run with --force)."), data);
    }

    @Test
    void wilsonIntervalMatchesTheTextbookValue() {
        // 8 of 10: the 95% Wilson interval is 0.4902–0.9433 (Wilson 1927; e.g. Newcombe 1998, table I style).
        double[] w = ReportWarnings.wilson(0.8, 10);
        assertEquals(0.4902, w[0], 1e-4);
        assertEquals(0.9433, w[1], 1e-4);
        double[] all = ReportWarnings.wilson(1.0, 20);
        assertEquals(1.0, all[1], 1e-12);
        assertEquals(0.8389, all[0], 1e-4);
    }

    @Test
    void histogramBinsClampTheEdges() {
        assertArrayEquals(new int[]{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                ScoreHistogramPlot.histogram(new double[]{0, 1, 0.99, Double.NaN}, 0, 1));
    }
}
