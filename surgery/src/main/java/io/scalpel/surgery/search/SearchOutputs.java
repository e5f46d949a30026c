package io.scalpel.surgery.search;

import io.scalpel.io.SafetensorsWriter;
import io.scalpel.io.StagedDirectory;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.report.ConditionScores;
import io.scalpel.surgery.report.ParetoPlot;
import io.scalpel.surgery.report.SampleStatistics;
import io.scalpel.surgery.report.SurgeryReport;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a search's files into a fresh directory, assembled under a hidden name and renamed at the
 * end: {@code search.csv} (one row per candidate × condition), {@code pareto.png}, {@code search.md},
 * the picked candidate's {@code patch.safetensors}, and the two scoring probes ({@code probe.safetensors},
 * {@code second-probe.safetensors}) with which {@code scalpel eval} reproduces the picked row.
 */
public final class SearchOutputs {
    public static final String CSV = "search.csv", PLOT = "pareto.png", MARKDOWN = "search.md", PATCH = "patch.safetensors",
            PROBE = "probe.safetensors", SECOND_PROBE = "second-probe.safetensors";

    private SearchOutputs() {}

    public static void write(Path out, SurgerySearch.Result r, String title, String verdictSection) {
        StagedDirectory.publish(out, dir -> {
            Files.writeString(dir.resolve(CSV), csv(r), StandardCharsets.UTF_8);
            List<ParetoPlot.Point> edits = new ArrayList<>(), controls = new ArrayList<>();
            for (SurgerySearch.CandidateOutcome c : r.candidates()) {
                String label = fmt("α=%s K=%d", c.candidate().alpha(), c.candidate().topK())
                        + (r.editProbes().size() > 1 ? " L" + c.candidate().layer() : "");
                edits.add(new ParetoPlot.Point(c.edit().klToBase(), c.edit().mean(), label));
                for (ConditionScores ctl : c.evaluation().randomControls()) controls.add(new ParetoPlot.Point(ctl.klToBase(), ctl.mean(), ""));
            }
            var image = ParetoPlot.render(title, r.primary(), edits, r.front(), r.choice().index(), controls,
                    r.candidates().getFirst().evaluation().base().mean());
            if (!ImageIO.write(image, "png", dir.resolve(PLOT).toFile())) throw new IOException("no PNG writer in this JDK");
            PatchFile.write(dir.resolve(PATCH), r.picked());
            r.scoring().probe().save(dir.resolve(PROBE), SafetensorsWriter.WriteMode.CREATE_NEW);
            r.scoring().second().save(dir.resolve(SECOND_PROBE), SafetensorsWriter.WriteMode.CREATE_NEW);
            Files.writeString(dir.resolve(MARKDOWN), markdown(r, title, verdictSection), StandardCharsets.UTF_8);
        });
    }

    /** Header, then per candidate its edit row and one row per control, in search order. */
    public static String csv(SurgerySearch.Result r) {
        List<String> scoreNames = List.copyOf(r.candidates().getFirst().outcome().scores().get("base").keySet());
        StringBuilder s = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("alpha", "top_k", "layer", "condition"));
        for (String n : scoreNames) header.add("mean " + n);
        header.addAll(List.of("delta_primary", "delta_primary_se", "kl_to_base", "perplexity", "changed_token_share",
                "beyond_controls", "pareto_front", "picked"));
        line(s, header);
        for (int i = 0; i < r.candidates().size(); i++) {
            SurgerySearch.CandidateOutcome c = r.candidates().get(i);
            List<ConditionScores> conditions = new ArrayList<>();
            conditions.add(c.evaluation().edited());
            conditions.addAll(c.evaluation().randomControls());
            double[] base = c.evaluation().base().behaviourScores();
            for (ConditionScores cond : conditions) {
                boolean edit = cond == c.evaluation().edited();
                Map<String, double[]> scores = c.outcome().scores().get(cond.name());
                SampleStatistics.Shift shift = SampleStatistics.shift(base, cond.behaviourScores());
                List<String> row = new ArrayList<>(List.of(Float.toString(c.candidate().alpha()), Integer.toString(c.candidate().topK()),
                        Integer.toString(c.candidate().layer()), cond.name()));
                for (String n : scoreNames) row.add(num(SampleStatistics.mean(scores.get(n))));
                row.addAll(List.of(num(shift.delta()), num(shift.standardError()), num(cond.klToBase()), num(cond.perplexity()),
                        num(cond.changedTokenShare()),
                        edit ? Boolean.toString(c.verdict().outcome() == io.scalpel.surgery.report.ShiftVerdict.Outcome.BEYOND_RANDOM) : "",
                        edit ? Boolean.toString(r.front()[i]) : "", edit ? Boolean.toString(i == r.choice().index()) : ""));
                line(s, row);
            }
        }
        return s.toString();
    }

    static String markdown(SurgerySearch.Result r, String title, String verdictSection) {
        StringBuilder s = new StringBuilder("# Surgery search: ").append(title).append("\n\n");
        SurgerySearch.CandidateOutcome chosen = r.chosen();
        s.append(fmt("**Picked:** α = %s, K = %d, layer %d (%s). Its patch is `%s`.%n%n", chosen.candidate().alpha(),
                chosen.candidate().topK(), chosen.candidate().layer(), r.choice().reason(), PATCH));
        s.append(verdictSection);
        s.append("## Candidates\n\nBehaviour score: ").append(r.primary()).append(" of the greedy continuation (higher = more of the "
                + "behaviour to avoid), mean over prompts, every condition scored by the unedited model. "
                + "KL: mean KL(base ‖ edited) of next-token distributions in nats (see the surgery report). "
                + "Controls: the mean of the random-direction controls at the same (α, K).\n\n");
        s.append("| α | K | layer | score | Δ vs base ± SE | KL | perplexity | changed tokens | controls' score | controls' KL | beats controls | front | picked |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < r.candidates().size(); i++) {
            SurgerySearch.CandidateOutcome c = r.candidates().get(i);
            ConditionScores e = c.edit();
            List<ConditionScores> ctl = c.evaluation().randomControls();
            s.append(fmt("| %s | %d | %d | %.4f | %+.4f ± %.4f | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.candidate().alpha(),
                    c.candidate().topK(), c.candidate().layer(), e.mean(), c.verdict().probeShift().delta(),
                    c.verdict().probeShift().standardError(), SurgeryReport.kl(e.klToBase()), g4(e.perplexity()),
                    pct(e.changedTokenShare()), ctl.isEmpty() ? "—" : g4(ctl.stream().mapToDouble(ConditionScores::mean).average().orElseThrow()),
                    ctl.isEmpty() ? "—" : g4(ctl.stream().mapToDouble(ConditionScores::klToBase).average().orElseThrow()),
                    c.verdict().outcome() == io.scalpel.surgery.report.ShiftVerdict.Outcome.BEYOND_RANDOM ? "yes" : "no",
                    r.front()[i] ? "yes" : "", i == r.choice().index() ? "**yes**" : ""));
        }
        ConditionScores base = chosen.evaluation().base();
        s.append(fmt("%nBase model: score %.4f, perplexity %s, KL 0.%n%n", base.mean(), g4(base.perplexity())));
        s.append("![behaviour score against KL](").append(PLOT).append(")\n\n");
        s.append("Every row of `").append(CSV).append("` is one condition of one candidate; `scalpel eval --edit ").append(PATCH)
                .append(" --probe ").append(PROBE).append(" --second-probe ").append(SECOND_PROBE)
                .append("` with the same evaluation options reproduces the picked row.\n");
        return s.toString();
    }

    private static void line(StringBuilder s, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) s.append(',');
            String c = cells.get(i);
            // RFC 4180: quote cells holding a comma, quote or line break; double the quotes inside.
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) s.append('"').append(c.replace("\"", "\"\"")).append('"');
            else s.append(c);
        }
        s.append('\n');
    }

    /** Full precision in the CSV (so a re-evaluation can be compared exactly); empty when not measured. */
    private static String num(double x) { return Double.isNaN(x) ? "" : Double.toString(x); }

    private static String g4(double x) { return Double.isNaN(x) ? "—" : fmt("%.4g", x); }

    private static String pct(double x) { return Double.isNaN(x) ? "—" : fmt("%.1f%%", 100 * x); }

    private static String fmt(String f, Object... a) { return String.format(Locale.ROOT, f, a); }
}
