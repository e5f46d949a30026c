package io.scalpel.surgery.pipeline;

import io.scalpel.io.SafetensorsWriter;
import io.scalpel.io.StagedDirectory;
import io.scalpel.surgery.evaluate.SurgeryEvaluator;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.report.SampleStatistics;
import io.scalpel.surgery.report.SurgeryReport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a surgery run's files — {@code patch.safetensors}, {@code probe.safetensors},
 * {@code report.md} and the plot — into a fresh directory: everything goes to a hidden sibling first
 * and is renamed into place at the end, so a failed run leaves nothing behind and an existing
 * directory is never touched.
 */
public final class SurgeryOutputs {
    public static final String PATCH = "patch.safetensors";
    public static final String PROBE = "probe.safetensors";

    private SurgeryOutputs() {}

    /** Refuses an output directory that exists, before any work is done. */
    public static void checkFresh(Path out) {
        StagedDirectory.requireAbsent(out);
    }

    /** @param dataProblems training-data checks overridden with --force, shown as warnings */
    public static SurgeryReport.Written write(Path out, SurgeryPipeline.Result r, List<String> dataProblems) {
        SurgeryReport.Written[] written = new SurgeryReport.Written[1];
        StagedDirectory.publish(out, dir -> {
            PatchFile.write(dir.resolve(PATCH), r.patch());
            r.probe().save(dir.resolve(PROBE), SafetensorsWriter.WriteMode.CREATE_NEW);
            written[0] = SurgeryReport.write(dir, r.evaluation(), dataProblems);
            Files.writeString(dir.resolve(SurgeryReport.MARKDOWN), details(r), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        });
        return new SurgeryReport.Written(out.resolve(SurgeryReport.MARKDOWN), out.resolve(SurgeryReport.PLOT), written[0].verdict(),
                written[0].warnings());
    }

    /** The sections the generic report lacks: every score of every condition, the selection, sample text. */
    static String details(SurgeryPipeline.Result r) {
        StringBuilder s = new StringBuilder("\n## All scores\n\n");
        s.append("Every continuation is scored by the UNEDITED model, so conditions differ only in their text. "
                + "Δ is paired over prompts (mean ± standard error).\n\n");
        Map<String, double[]> baseScores = r.outcome().scores().get("base");
        s.append("| condition | score | mean ± SE | Δ vs base ± SE |\n|---|---|---|---|\n");
        for (var cond : r.outcome().conditions()) {
            for (var e : r.outcome().scores().get(cond.name()).entrySet()) {
                double[] x = e.getValue();
                String delta = cond.name().equals("base") ? "—" : fmtShift(SampleStatistics.shift(baseScores.get(e.getKey()), x));
                s.append(String.format("| %s | %s | %.4f ± %.4f | %s |%n", cond.name(), e.getKey(),
                        SampleStatistics.mean(x), SampleStatistics.standardError(x), delta));
            }
        }
        s.append("\n| condition | mean NLL (nats/token; perplexity = e^NLL) | KL(base ‖ ·), nats | changed greedy tokens | changed continuations |\n|---|---|---|---|---|\n");
        SurgeryEvaluator.Condition base = r.outcome().conditions().getFirst();
        for (var cond : r.outcome().conditions()) {
            s.append(String.format("| %s | %s | %s | %s | %s |%n", cond.name(),
                    Double.isNaN(cond.perplexityNll()) ? "n/a (no --perplexity-text)" : String.format("%.4f", cond.perplexityNll()),
                    SurgeryReport.kl(cond.klToBase()),
                    Double.isNaN(cond.changedTokenShare()) ? "—" : String.format("%.1f%%", 100 * cond.changedTokenShare()),
                    cond == base ? "—" : String.format("%.0f%%", 100 * SurgeryEvaluator.changedContinuations(base.continuations(), cond.continuations()))));
        }
        s.append("\n## Probes\n\n");
        s.append(String.format("- Edit probe: %s, layer %d, validation accuracy %.1f%%, ‖v‖ = %.4f%n", r.probe().metadata().solver().id(),
                r.probe().layer(), 100 * r.probe().metadata().validationAccuracy(), r.probe().metadata().directionNorm()));
        s.append(String.format("- Second probe (scoring only): layer %d, validation accuracy %.1f%%%n", r.secondProbe().layer(),
                100 * r.secondProbe().metadata().validationAccuracy()));
        s.append(String.format("- Cosine between the Adam and logistic-regression directions: %.3f%n", r.solverCosine()));
        s.append("\n## Selection\n\n").append(String.format("%d of %d gate_proj rows; rows per layer: %s%n", r.selection().size(),
                r.selection().totalRows(), java.util.Arrays.toString(r.selection().perLayerCount())));
        s.append("\n## Sample continuations (greedy)\n\n");
        List<SurgeryEvaluator.Condition> conds = r.outcome().conditions();
        int shown = Math.min(3, conds.getFirst().texts().size());
        for (int i = 0; i < shown; i++) {
            s.append("**Prompt:** ").append(oneLine(r.outcome().prompts().get(i))).append("\n\n");
            for (var cond : conds.subList(0, Math.min(3, conds.size()))) {
                s.append("- **").append(cond.name()).append("**: ").append(oneLine(cond.texts().get(i))).append('\n');
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String oneLine(String t) { return t.replace('\n', ' ').strip(); }

    private static String fmtShift(SampleStatistics.Shift sh) {
        return String.format("%+.4f ± %.4f", sh.delta(), sh.standardError());
    }

}
