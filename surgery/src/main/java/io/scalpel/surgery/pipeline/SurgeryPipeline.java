package io.scalpel.surgery.pipeline;

import io.scalpel.io.Checkpoint;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.activations.ActivationCache;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.surgery.chat.PromptEncoder;
import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.data.TrainValidationSplit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.evaluate.ProbeScorer;
import io.scalpel.surgery.evaluate.SurgeryEvaluator;
import io.scalpel.surgery.patch.ModelIdentity;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.LabelledVectors;
import io.scalpel.surgery.probe.LogisticRegressionProbeTrainer;
import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.probe.ProbeSolver;
import io.scalpel.surgery.probe.ProbeTrainer;
import io.scalpel.surgery.report.ConditionScores;
import io.scalpel.surgery.report.EvaluationResult;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import io.scalpel.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The paper's method end to end on a loaded model: activations → probe → gate-row selection → edit
 * → evaluation against random-direction controls. Everything runs on the resident weights of
 * whichever backend holds the model; the model is left unedited at the end (the result carries the
 * patch, which applies the edit again anywhere).
 */
public final class SurgeryPipeline {

    /**
     * @param layer        hidden-state index the probe reads (-1 = L, after the final norm, as the paper)
     * @param batchTokens  rows per packed prefill when collecting activations (1 = one text per prefill)
     * @param secondLayer  index of the second, independent probe used to score (-1 = L/2)
     * @param topK         rows to edit (null = the paper's share of all gate rows)
     * @param maxPerClass  texts per class at most (seeded sample), 0 = all
     * @param primaryScore the scorer the verdict, the plots and the search's pick use, by name or the start of
     *                     its name ("probe", "second probe", "lexicon", "refusal", "judge"); null = the edit probe
     */
    public record Options(int layer, int secondLayer, int maxTokens, int batchTokens, ProbeSolver solver, AdamProbeTrainer.Settings adam,
                          double validationShare, long seed, Integer topK, float alpha, int newTokens, int randomControls,
                          int maxPerClass, ActivationCache cache, boolean progress, int klPositions, String primaryScore) {
        public Options withEvaluation(int maxPerClass, int klPositions, String primaryScore) {
            return new Options(layer, secondLayer, maxTokens, batchTokens, solver, adam, validationShare, seed, topK, alpha, newTokens,
                    randomControls, maxPerClass, cache, progress, klPositions, primaryScore);
        }
    }

    /** Everything the run measured, for the report and the files. */
    public record Result(Probe probe, Probe secondProbe, double solverCosine, Selection selection, Patch patch,
                         SurgeryEvaluator.Outcome outcome, EvaluationResult evaluation, String behaviour) {}

    private final Checkpoint checkpoint;
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final PrintStream log;
    private final Map<String, LabelledVectors> pooled = new java.util.HashMap<>();

    private final PromptEncoder prompts;

    public SurgeryPipeline(Checkpoint checkpoint, Transformer model, Tokenizer tokenizer, PrintStream log) {
        this(checkpoint, model, tokenizer, log, new PromptEncoder.Plain(tokenizer));
    }

    /** @param prompts how labelled texts and evaluation prompts become token ids (plain, or wrapped in the chat template) */
    public SurgeryPipeline(Checkpoint checkpoint, Transformer model, Tokenizer tokenizer, PrintStream log, PromptEncoder prompts) {
        this.checkpoint = checkpoint;
        this.model = model;
        this.tokenizer = tokenizer;
        this.log = log;
        this.prompts = prompts;
    }

    public static ModelIdentity identity(Checkpoint ck) {
        var c = ck.config();
        List<io.scalpel.tensor.Tensor> gates = ck.weights().layers().stream().map(LayerWeights::gate).toList();
        return new ModelIdentity(c.architecture(), c.dim(), c.layers(), c.hiddenDim(), c.vocabSize(),
                ModelIdentity.gateDtype(gates), ModelIdentity.gateHash(gates));
    }

    /** The probes a run trains: the edit probe, the same data under the other solver, and the scoring-only second probe. */
    public record TrainedProbes(Probe probe, Probe otherSolver, double solverCosine, Probe second) {}

    /** The labelled texts a run uses: a balanced, seeded sample, split into train and validation. */
    public TrainValidationSplit<LabelledText> split(List<LabelledText> texts, Options o) {
        List<LabelledText> sample = balance(texts, o.maxPerClass(), o.seed());
        TrainValidationSplit<LabelledText> split = TrainValidationSplit.of(sample, o.validationShare(), o.seed());
        log.printf("scalpel: %d texts (%d avoid, %d keep), %d train / %d validation%n", sample.size(),
                sample.stream().filter(t -> t.label() == LabelledText.AVOID).count(),
                sample.stream().filter(t -> t.label() == LabelledText.KEEP).count(), split.train().size(), split.validation().size());
        return split;
    }

    /** Hidden-state index the option means (-1 = L) and the second probe's (-1 = L/2), checked against the model. */
    public int[] layers(int layer, int secondLayer) {
        int L = model.config().layers();
        int first = layer < 0 ? L : layer;
        int second = secondLayer < 0 ? Math.max(1, L / 2) : secondLayer;
        if (first > L || second > L) throw new IllegalArgumentException("probe layer must be in [0, " + L + "]");
        return new int[]{first, second};
    }

    /** Trains the probes for one edit layer; activations of each (split, index) are collected once per pipeline. */
    public TrainedProbes trainProbes(TrainValidationSplit<LabelledText> split, int layer, int secondLayer, Options o) {
        collectActivations(split, new int[]{layer, secondLayer}, o);
        ModelIdentity identity = identity(checkpoint);
        Probe probe = trainProbe(split, layer, o, o.solver(), identity);
        Probe other = trainProbe(split, layer, o, o.solver() == ProbeSolver.ADAM ? ProbeSolver.LOGISTIC_REGRESSION : ProbeSolver.ADAM, identity);
        double solverCosine = probe.directionCosine(other);
        Probe secondProbe = trainProbe(split, secondLayer, o, o.solver(), identity);
        log.printf("scalpel: probe (%s, layer %d): train %.1f%%, validation %.1f%%, |v| = %.4f; cos with %s solver = %.3f%n",
                o.solver().id(), layer, 100 * probe.metadata().trainAccuracy(), 100 * probe.metadata().validationAccuracy(),
                probe.metadata().directionNorm(), other.metadata().solver().id(), solverCosine);
        return new TrainedProbes(probe, other, solverCosine, secondProbe);
    }

    /** The two probe scorers every condition is judged by, named as the report and {@code eval} name them. */
    public Map<String, ContinuationScorer> probeScorers(TrainedProbes p, Options o) {
        Map<String, ContinuationScorer> scorers = new LinkedHashMap<>();
        scorers.put("probe P(avoid), layer " + p.probe().layer(), new ProbeScorer(model, p.probe(), o.maxTokens(), o.batchTokens()));
        scorers.put("second probe P(avoid), layer " + p.second().layer(), new ProbeScorer(model, p.second(), o.maxTokens(), o.batchTokens()));
        return scorers;
    }

    /** All scorers in report order, the primary one first (the verdict and the search read the first). */
    public static Map<String, ContinuationScorer> ordered(Map<String, ContinuationScorer> probes, Map<String, ContinuationScorer> extra,
                                                          String primary) {
        Map<String, ContinuationScorer> all = new LinkedHashMap<>(probes);
        all.putAll(extra);
        if (primary == null) return all;
        String key = all.keySet().stream().filter(k -> k.startsWith(primary)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--primary-score " + primary + " names no scorer of this run; scorers: "
                        + String.join(", ", all.keySet())));
        Map<String, ContinuationScorer> out = new LinkedHashMap<>();
        out.put(key, all.get(key));
        all.forEach(out::putIfAbsent);
        return out;
    }

    public SurgeryEvaluator evaluator(Surgeon surgeon, int[] perplexityTokens, Options o) {
        return new SurgeryEvaluator(model, tokenizer, surgeon, new SurgeryEvaluator.Settings(
                o.newTokens(), o.randomControls(), o.seed(), o.maxTokens(), perplexityTokens, 128, 16, o.klPositions()), prompts);
    }

    /**
     * @param prompts      evaluation prompts (as the model sees them)
     * @param klPrompts    harmless prompts for KL(base ‖ edited)
     * @param extraScorers behaviour scorers besides the two probes (lexicon, refusal, judge), in report order
     */
    public Result run(String behaviour, List<LabelledText> texts, List<String> prompts, List<String> klPrompts,
                      Map<String, ContinuationScorer> extraScorers, int[] perplexityTokens, Options o) {
        int[] layers = layers(o.layer(), o.secondLayer());
        int layer = layers[0];
        TrainValidationSplit<LabelledText> split = split(texts, o);
        ModelIdentity identity = identity(checkpoint);
        TrainedProbes probes = trainProbes(split, layer, layers[1], o);
        Probe probe = probes.probe();

        float[] v = probe.direction();
        List<float[]> cosines = Arrays.asList(GateCosines.compute(model, v));
        Selection selection = o.topK() == null ? GateRowSelector.selectDefault(cosines) : GateRowSelector.select(cosines, o.topK());
        log.printf("scalpel: selected %d of %d gate rows; per layer %s%n", selection.size(), selection.totalRows(),
                Arrays.toString(selection.perLayerCount()));
        Patch patch = new Patch(v, o.alpha(), selection.rows(), layer, identity);

        Map<String, ContinuationScorer> scorers = ordered(probeScorers(probes, o), extraScorers, o.primaryScore());
        SurgeryEvaluator evaluator = evaluator(new Surgeon(model), perplexityTokens, o);
        log.printf("scalpel: evaluating %d prompts × (base, edit, %d random controls)%n", prompts.size(), o.randomControls());
        SurgeryEvaluator.Outcome outcome = evaluator.run(prompts, klPrompts, selection.rows(), v, o.alpha(), scorers);

        String primary = scorers.keySet().iterator().next();
        List<ConditionScores> conditions = outcome.conditionScores(primary);
        EvaluationResult evaluation = new EvaluationResult(checkpoint.format().path().toString(), behaviour, primary,
                selection.size(), selection.totalRows(), o.alpha(), layer, probe.metadata(),
                conditions.getFirst(), conditions.get(1), conditions.subList(2, conditions.size()));
        return new Result(probe, probes.second(), probes.solverCosine(), selection, patch, outcome, evaluation, behaviour);
    }

    private Probe trainProbe(TrainValidationSplit<LabelledText> split, int index, Options o, ProbeSolver solver, ModelIdentity id) {
        // Both solvers read the same activations: collect each (split, index) once per run.
        LabelledVectors train = pooled.computeIfAbsent("train|" + index, key -> vectors(split.train(), index, o, id));
        LabelledVectors validation = pooled.computeIfAbsent("validation|" + index, key -> vectors(split.validation(), index, o, id));
        ProbeTrainer trainer = switch (solver) {
            case ADAM -> new AdamProbeTrainer(o.adam());
            case LOGISTIC_REGRESSION -> new LogisticRegressionProbeTrainer();
        };
        return trainer.train(train, validation, index);
    }

    private LabelledVectors vectors(List<LabelledText> texts, int index, Options o, ModelIdentity id) {
        return vectors(texts, new int[]{index}, o, id).get(index);
    }

    /**
     * Pooled vectors of {@code texts} at every index, from one forward pass per text for all the indices
     * the cache does not already hold (the pass runs at most once, when the first missing index asks for it).
     */
    private Map<Integer, LabelledVectors> vectors(List<LabelledText> texts, int[] indices, Options o, ModelIdentity id) {
        List<int[]> ids = texts.stream().map(t -> truncate(prompts.encode(t.text()), o.maxTokens())).toList();
        int[] labels = texts.stream().mapToInt(LabelledText::label).toArray();
        float[][][][] pass = new float[1][][][];
        java.util.function.IntFunction<float[][]> collected = j -> {
            if (pass[0] == null) pass[0] = new ActivationCollector(model, indices, o.maxTokens(), o.batchTokens()).collectAll(ids, o.progress());
            return pass[0][j];
        };
        Map<Integer, LabelledVectors> out = new LinkedHashMap<>();
        for (int j = 0; j < indices.length; j++) {
            int jj = j;
            String key = ActivationCache.key(id.gateSha256() + "|" + model.config(), indices[j], o.maxTokens(), ids);
            float[][] vectors = o.cache() == null ? collected.apply(j)
                    : o.cache().getOrCompute(key, model.config().dim(), () -> collected.apply(jj));
            out.put(indices[j], new LabelledVectors(vectors, labels));
        }
        return out;
    }

    /** Collects the activations of every listed index in one pass over the texts (those not collected yet). */
    public void collectActivations(TrainValidationSplit<LabelledText> split, int[] indices, Options o) {
        ModelIdentity id = identity(checkpoint);
        for (var part : List.of(java.util.Map.entry("train", split.train()), java.util.Map.entry("validation", split.validation()))) {
            int[] missing = java.util.Arrays.stream(indices).distinct().filter(i -> !pooled.containsKey(part.getKey() + "|" + i)).toArray();
            if (missing.length == 0) continue;
            vectors(part.getValue(), missing, o, id).forEach((index, v) -> pooled.put(part.getKey() + "|" + index, v));
        }
    }

    private static int[] truncate(int[] ids, int max) {
        return ids.length > max ? Arrays.copyOf(ids, max) : ids;
    }

    /** At most {@code perClass} texts of each class, a seeded sample, so one class cannot drown the other. */
    public static List<LabelledText> balance(List<LabelledText> texts, int perClass, long seed) {
        List<LabelledText> avoid = new ArrayList<>(), keep = new ArrayList<>();
        for (LabelledText t : texts) (t.label() == LabelledText.AVOID ? avoid : keep).add(t);
        if (avoid.isEmpty() || keep.isEmpty()) {
            throw new IllegalArgumentException("the labelled texts hold only one class (" + (avoid.isEmpty() ? "no avoid" : "no keep")
                    + " examples); a probe needs both");
        }
        if (perClass > 0) {
            Collections.shuffle(avoid, new Random(seed));
            Collections.shuffle(keep, new Random(seed + 1));
            avoid = avoid.subList(0, Math.min(perClass, avoid.size()));
            keep = keep.subList(0, Math.min(perClass, keep.size()));
        }
        List<LabelledText> all = new ArrayList<>(avoid);
        all.addAll(keep);
        return all;
    }
}
