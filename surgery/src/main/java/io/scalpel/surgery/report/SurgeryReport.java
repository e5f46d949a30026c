package io.scalpel.surgery.report;

import io.scalpel.io.CheckpointException;
import io.scalpel.surgery.probe.ProbeMetadata;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code report.md} and {@code score-histograms.png} for one evaluation into a folder. Each
 * file is written beside its final name and moved into place, so a report is never half-written.
 */
public final class SurgeryReport {
    public static final String MARKDOWN = "report.md";
    public static final String PLOT = "score-histograms.png";
    /** cos(v, v_init) above this means the Adam probe is still mostly its random initialisation. */
    static final double UNDERTRAINED_INIT_COSINE = 0.9;

    private SurgeryReport() {}

    /** Paths of the written files, the verdict they state and the warnings beside it. */
    public record Written(Path markdown, Path plot, ShiftVerdict verdict, List<String> warnings) {}

    /** @param dataProblems training-data checks that failed but were overridden with --force */
    public static Written write(Path directory, EvaluationResult result, List<String> dataProblems) {
        List<String> warnings = ReportWarnings.of(result, dataProblems);
        ShiftVerdict verdict = ShiftVerdict.of(result);
        Path md = directory.resolve(MARKDOWN), png = directory.resolve(PLOT);
        try {
            Files.createDirectories(directory);
            BufferedImage image = ScoreHistogramPlot.render(result);
            writeAtomically(png, out -> {
                if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer in this JDK");
            });
            String text = markdown(result, verdict, warnings);
            writeAtomically(md, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new CheckpointException(directory, "cannot write report: " + e.getMessage(), e);
        }
        return new Written(md, png, verdict, warnings);
    }

    /** The report text (public so a CLI can also print it). */
    public static String markdown(EvaluationResult r, ShiftVerdict verdict, List<String> warnings) {
        StringBuilder s = new StringBuilder();
        s.append("# Model surgery report: ").append(r.behaviour()).append("\n\n");
        s.append(verdictSection(verdict, warnings));
        s.append("- Model: `").append(r.model()).append("`\n");
        s.append(fmt("- Edit: %d of %d gate_proj rows (%.2f%%), α = %s, probe layer %d%n", r.k(), r.totalRows(),
                100.0 * r.k() / r.totalRows(), r.alpha(), r.probeLayer()));
        if (!Double.isNaN(r.edited().storageError())) {
            s.append(fmt("- Stored edit: ‖stored − (w + αv)‖ / ‖αv‖ over the edited rows = %.4g (rounding to gate_proj's stored type;"
                    + " 0 for F32, re-quantization of the edited blocks for quantized types)%n", r.edited().storageError()));
        }
        s.append("- Behaviour score: ").append(r.scoreName()).append(" (higher = more of the behaviour to avoid)\n\n");

        ProbeMetadata p = r.probe();
        s.append("## Probe\n\n| solver | train acc | validation acc | ‖v‖ | ‖v − v_init‖ | cos(v, v_init) | converged |\n|---|---|---|---|---|---|---|\n");
        double[] wilson = ReportWarnings.wilson(p.validationAccuracy(), p.validationCount());
        s.append(fmt("| %s | %s | %s (95%% CI %s–%s, n = %d) | %.4g | %s | %s | %s |%n%n", p.solver().id(), pct(p.trainAccuracy()),
                pct(p.validationAccuracy()), pct(wilson[0]), pct(wilson[1]), p.validationCount(),
                p.directionNorm(), num(p.distanceFromInit()), num(p.initCosine()), convergence(p)));
        if (p.initCosine() > UNDERTRAINED_INIT_COSINE) {
            s.append(fmt("> The probe direction is still %.0f%% aligned with its random initialisation: the Adam settings "
                    + "underfit this data, so the edit direction is largely random. Consider more epochs, a larger learning "
                    + "rate, or the logistic-regression solver.%n%n", 100 * p.initCosine()));
        }

        s.append("## Conditions\n\n| condition | prompts | mean score ± SE | Δ vs base ± SE | perplexity | KL(base ‖ ·), nats | changed tokens |\n|---|---|---|---|---|---|---|\n");
        row(s, r.base(), null);
        row(s, r.edited(), verdict.probeShift());
        for (int i = 0; i < r.randomControls().size(); i++) row(s, r.randomControls().get(i), verdict.randomShifts().get(i));
        s.append("\n![score distributions before and after](").append(PLOT).append(")\n\n");

        s.append("## How the verdict is decided\n\n");
        s.append("Δ is the mean per-prompt change of the behaviour score from the base model (paired over the same prompts), "
                + "SE its standard error. Random controls edit the same number of rows with the same α along random directions. "
                + "The probe edit counts as an effect only when |Δ| > max|Δrandom| + 2·SE and Δ has the intended sign "
                + "(negative for α > 0). KL(base ‖ ·) is the mean, over the KL prompts and over the first N positions of the "
                + "base model's greedy continuation (teacher-forced: both models read the base's tokens), of the next-token "
                + "KL divergence from the base's distribution, in nats; the base against itself is 0 by construction.");
        if (!Double.isNaN(verdict.threshold())) s.append(fmt(" Here the threshold was %.4f.", verdict.threshold()));
        s.append("\n");
        return s.toString();
    }

    /** The verdict and every warning, in plain words; shared with the search's report. */
    public static String verdictSection(ShiftVerdict verdict, List<String> warnings) {
        StringBuilder s = new StringBuilder("## Verdict\n\n");
        s.append("**Verdict:** ").append(verdict.sentence()).append("\n\n");
        if (warnings.isEmpty()) {
            s.append(fmt("No warnings: fluency held for the edit and every control (perplexity ≤ %.1f× the base's, KL ≤ %.1f nats), "
                    + "and the probe is better than chance on its validation set.%n%n", ReportWarnings.PERPLEXITY_RATIO, ReportWarnings.KL_NATS));
        } else {
            for (String w : warnings) s.append("- **Warning:** ").append(w).append('\n');
            s.append(fmt("%nThresholds: fluency counts as broken when perplexity exceeds %.1f× the base's or KL(base ‖ ·) exceeds %.1f nats; "
                    + "a probe is better than chance when the 95%% Wilson interval of its validation accuracy lies above 50%%.%n%n",
                    ReportWarnings.PERPLEXITY_RATIO, ReportWarnings.KL_NATS));
        }
        return s.toString();
    }

    private static void row(StringBuilder s, ConditionScores c, SampleStatistics.Shift shift) {
        String delta = shift == null ? "—" : fmt("%+.4f ± %s", shift.delta(), num(shift.standardError()));
        s.append(fmt("| %s | %d | %.4f ± %s | %s | %s | %s | %s |%n", c.name(), c.count(), c.mean(), num(c.standardError()), delta,
                num(c.perplexity()), kl(c.klToBase()), Double.isNaN(c.changedTokenShare()) ? "—" : pct(c.changedTokenShare())));
    }

    /** "yes" only when a convergence test passed; Adam runs a fixed budget and tests nothing. */
    public static String convergence(ProbeMetadata p) {
        if (p.solver() == io.scalpel.surgery.probe.ProbeSolver.ADAM) return "not tested (fixed budget of " + p.iterations() + " steps)";
        return p.converged() ? "yes (" + p.iterations() + " iterations)" : "no (stopped after " + p.iterations() + " iterations)";
    }

    private static String pct(double x) { return Double.isNaN(x) ? "n/a" : fmt("%.1f%%", 100 * x); }

    /** KL in nats; an exact 0 (the base against itself) prints as 0, so it reads as exact. */
    public static String kl(double x) { return x == 0 ? "0" : num(x); }

    private static String num(double x) { return Double.isNaN(x) ? "n/a" : fmt("%.4g", x); }

    private static String fmt(String f, Object... args) { return String.format(Locale.ROOT, f, args); }

    @FunctionalInterface
    private interface Content { void writeTo(OutputStream out) throws IOException; }

    private static void writeAtomically(Path target, Content content) throws IOException {
        Path tmp = io.scalpel.io.StagingPaths.createFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".part");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
