package io.scalpel.surgery.search;

import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.data.TrainValidationSplit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.evaluate.SurgeryEvaluator;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.report.ConditionScores;
import io.scalpel.surgery.report.EvaluationResult;
import io.scalpel.surgery.report.ShiftVerdict;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Searches α × K × layer on one loaded model: the activations are collected and the probes trained
 * once, the base model's continuations, scores and KL reference are measured once, and then each
 * candidate is applied, measured and reverted exactly (the surgeon restores the saved bits), with
 * its random-direction controls at the same (α, K). Every condition is scored by the same scorers —
 * the probes on the final hidden state and on L/2, whatever layer a candidate edits — so candidates
 * compare with each other.
 */
public final class SurgerySearch {

    /** One candidate measured: its rows, every condition (base first, then the edit, then the controls) and the verdict. */
    public record CandidateOutcome(SearchGrid.Candidate candidate, Selection selection, SurgeryEvaluator.Outcome outcome,
                                   EvaluationResult evaluation, ShiftVerdict verdict) {
        public ConditionScores edit() { return evaluation.edited(); }
    }

    /**
     * @param scoring    the probes every condition is scored with (final hidden state, and L/2)
     * @param editProbes the probe of each edit layer, whose direction that layer's candidates add
     * @param front      per candidate, whether it is on the Pareto front of (score, KL)
     */
    public record Result(String primary, SurgeryPipeline.TrainedProbes scoring, Map<Integer, SurgeryPipeline.TrainedProbes> editProbes,
                         List<CandidateOutcome> candidates, boolean[] front, PickRule.Choice choice, Patch picked) {
        public CandidateOutcome chosen() { return candidates.get(choice.index()); }
    }

    /** @param maxKl the KL bound of {@link PickRule#LOWEST_SCORE} (nats) */
    public record Settings(SearchGrid grid, PickRule pick, double maxKl) {}

    private final Checkpoint checkpoint;
    private final Transformer model;
    private final SurgeryPipeline pipeline;
    private final PrintStream log;

    public SurgerySearch(Checkpoint checkpoint, Transformer model, SurgeryPipeline pipeline, PrintStream log) {
        this.checkpoint = checkpoint;
        this.model = model;
        this.pipeline = pipeline;
        this.log = log;
    }

    public Result run(String behaviour, List<LabelledText> texts, List<String> prompts, List<String> klPrompts,
                      Map<String, ContinuationScorer> extraScorers, int[] perplexityTokens, SurgeryPipeline.Options o, Settings s) {
        int[] finalLayers = pipeline.layers(-1, o.secondLayer());
        TrainValidationSplit<LabelledText> split = pipeline.split(texts, o);
        // One activation pass for the scoring probes and every edit layer together.
        int[] indices = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(finalLayers),
                s.grid().layers().stream().mapToInt(l -> pipeline.layers(l, o.secondLayer())[0])).distinct().toArray();
        pipeline.collectActivations(split, indices, o);
        SurgeryPipeline.TrainedProbes scoring = pipeline.trainProbes(split, finalLayers[0], finalLayers[1], o);
        Map<Integer, SurgeryPipeline.TrainedProbes> editProbes = new LinkedHashMap<>();
        for (int layer : s.grid().layers()) {
            int index = pipeline.layers(layer, o.secondLayer())[0];
            if (!editProbes.containsKey(index)) {
                editProbes.put(index, index == finalLayers[0] ? scoring : pipeline.trainProbes(split, index, finalLayers[1], o));
            }
        }
        Map<String, ContinuationScorer> scorers = SurgeryPipeline.ordered(pipeline.probeScorers(scoring, o), extraScorers, o.primaryScore());
        String primary = scorers.keySet().iterator().next();
        Surgeon surgeon = new Surgeon(model);
        SurgeryEvaluator evaluator = pipeline.evaluator(surgeon, perplexityTokens, o);
        log.printf("scalpel: base model: %d prompts, %d KL prompts%n", prompts.size(), klPrompts.size());
        SurgeryEvaluator.Baseline baseline = evaluator.baseline(prompts, klPrompts);
        Map<String, double[]> baseScores = evaluator.score(baseline, baseline.base(), scorers);

        List<SearchGrid.Candidate> all = s.grid().candidates();
        List<CandidateOutcome> done = new ArrayList<>();
        long started = System.nanoTime();
        try (ProgressBar bar = progress(all.size(), o.progress())) {
            for (int layer : editProbes.keySet()) {
                float[] v = editProbes.get(layer).probe().direction();
                List<float[]> cosines = Arrays.asList(GateCosines.compute(model, v));
                List<float[]> controls = evaluator.controlDirections(v);
                List<List<float[]>> controlCosines = controls.stream().map(r -> Arrays.asList(GateCosines.compute(model, r))).toList();
                for (int k : s.grid().topKs()) {
                    Selection selection = GateRowSelector.select(cosines, k);
                    List<int[][]> controlRows = controlCosines.stream().map(c -> GateRowSelector.select(c, k).rows()).toList();
                    for (float alpha : s.grid().alphas()) {
                        SearchGrid.Candidate c = new SearchGrid.Candidate(alpha, k, layer);
                        done.add(measure(behaviour, c, selection, v, controls, controlRows, evaluator, baseline, baseScores, scorers,
                                primary, editProbes.get(layer)));
                        if (bar != null) bar.step();
                        logProgress(done.getLast(), done.size(), all.size(), started);
                    }
                }
            }
        }
        if (!surgeon.applied().isEmpty()) throw new IllegalStateException("the search left an edit applied");

        List<PickRule.Point> points = done.stream().map(d -> new PickRule.Point(d.edit().mean(), d.edit().klToBase(),
                d.verdict().outcome() == ShiftVerdict.Outcome.BEYOND_RANDOM)).toList();
        boolean[] front = ParetoFront.of(points);
        PickRule.Choice choice = s.pick().pick(points, s.maxKl());
        CandidateOutcome chosen = done.get(choice.index());
        float[] v = editProbes.get(chosen.candidate().layer()).probe().direction();
        Patch patch = new Patch(v, chosen.candidate().alpha(), chosen.selection().rows(), chosen.candidate().layer(),
                SurgeryPipeline.identity(checkpoint));
        return new Result(primary, scoring, editProbes, done, front, choice, patch);
    }

    private CandidateOutcome measure(String behaviour, SearchGrid.Candidate c, Selection selection, float[] v, List<float[]> controls,
                                     List<int[][]> controlRows, SurgeryEvaluator evaluator, SurgeryEvaluator.Baseline baseline,
                                     Map<String, double[]> baseScores, Map<String, ContinuationScorer> scorers, String primary,
                                     SurgeryPipeline.TrainedProbes probes) {
        List<SurgeryEvaluator.Condition> conditions = new ArrayList<>();
        conditions.add(baseline.base());
        conditions.add(evaluator.measureEdited("probe direction", baseline, selection.rows(), v, c.alpha()));
        for (int i = 0; i < controls.size(); i++) {
            conditions.add(evaluator.measureEdited("random direction " + (i + 1), baseline, controlRows.get(i), controls.get(i), c.alpha()));
        }
        Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
        scores.put("base", baseScores);
        for (SurgeryEvaluator.Condition cond : conditions.subList(1, conditions.size())) {
            scores.put(cond.name(), evaluator.score(baseline, cond, scorers));
        }
        SurgeryEvaluator.Outcome outcome = new SurgeryEvaluator.Outcome(baseline.prompts(), conditions, scores);
        List<ConditionScores> cs = outcome.conditionScores(primary);
        EvaluationResult evaluation = new EvaluationResult(checkpoint.format().path().toString(), behaviour, primary, selection.size(),
                selection.totalRows(), c.alpha(), c.layer(), probes.probe().metadata(), cs.getFirst(), cs.get(1), cs.subList(2, cs.size()));
        return new CandidateOutcome(c, selection, outcome, evaluation, ShiftVerdict.of(evaluation));
    }

    private void logProgress(CandidateOutcome d, int done, int total, long started) {
        long elapsed = System.nanoTime() - started;
        Duration left = Duration.ofNanos(elapsed / done * (total - done));
        log.printf(java.util.Locale.ROOT, "scalpel: candidate %d/%d (α = %s, K = %d, layer %d): score %.4f (Δ %+.4f), KL %.4g; about %s left%n",
                done, total, d.candidate().alpha(), d.candidate().topK(), d.candidate().layer(), d.edit().mean(),
                d.verdict().probeShift().delta(), d.edit().klToBase(), human(left));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + " s" : s < 3600 ? (s / 60) + " min " + (s % 60) + " s" : (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }

    private static ProgressBar progress(int total, boolean show) {
        if (!show) return null;
        // The library's bar shows done/total and its own estimate of the time left.
        return new ProgressBarBuilder().setTaskName("search").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(1000).build();
    }
}
