package io.scalpel.cli;

import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.evaluate.ProbeScorer;
import io.scalpel.surgery.evaluate.SurgeryEvaluator;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryOutputs;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.report.ConditionScores;
import io.scalpel.surgery.report.EvaluationResult;
import io.scalpel.surgery.select.Selection;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Step 7 on its own: measure a patch against random-direction controls; writes a report directory. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a patch (--edit) before/after with probe scores, lexicon, perplexity and random-direction controls; writes --out DIR/report.md.",
        footer = {"", "Example:", "  scalpel eval --model ../shared/models/stories260K/stories260K.bin --edit patch.safetensors --probe probe.safetensors --out eval/"})
public final class EvalCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--edit", required = true, description = "The patch to evaluate.") Path editFile;
    @Option(names = "--probe", required = true, description = "Probe that scores continuations (from 'scalpel probe').") Path probeFile;
    @Option(names = "--second-probe", description = "A second probe, e.g. trained on another layer.") Path secondProbeFile;
    @Mixin EvaluationOptions evaluation;
    @Mixin ChatOptions chat;
    @Option(names = "--new-tokens", defaultValue = "32", description = "Greedy tokens generated per evaluation prompt (default ${DEFAULT-VALUE}).") int newTokens;
    @Option(names = "--controls", defaultValue = "3", description = "Random-direction controls of the same norm, K and alpha (default ${DEFAULT-VALUE}).") int controls;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random control directions (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--max-tokens", defaultValue = "64", description = "Tokens per text at most when scoring with the probes (default ${DEFAULT-VALUE}).") int maxTokens;
    @Mixin ActivationBatchOption packing;
    @Option(names = "--out", required = true, description = "Output directory (must not exist).") Path out;

    @Override public Integer call() {
        SurgeryOutputs.checkFresh(out);
        Patch patch = PatchFile.read(editFile);
        Probe probe = Probe.load(probeFile);
        Probe second = secondProbeFile == null ? probe : Probe.load(secondProbeFile);
        evaluation.check();
        packing.check();
        chat.check();
        List<String> promptList = evaluation.promptList(), klPrompts = evaluation.klPromptList();
        Map<String, ContinuationScorer> extra = evaluation.scorers();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            try {
                patch.identity().checkCompatible(SurgeryPipeline.identity(m.checkpoint()));
            } catch (RuntimeException e) {
                throw new UserInputException(editFile + ": " + ScalpelCommand.oneLine(e.getMessage()));
            }
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(), model.model);
            int[] ppl = evaluation.perplexityTokens(tok);
            Map<String, ContinuationScorer> scorers = new LinkedHashMap<>();
            scorers.put("probe P(avoid), layer " + probe.layer(), new ProbeScorer(m.transformer(), probe, maxTokens, packing.batchTokens));
            if (second != probe) scorers.put("second probe P(avoid), layer " + second.layer(), new ProbeScorer(m.transformer(), second, maxTokens, packing.batchTokens));
            scorers = SurgeryPipeline.ordered(scorers, extra, evaluation.primaryScore);
            var evaluator = new SurgeryEvaluator(m.transformer(), tok, m.surgeon(),
                    new SurgeryEvaluator.Settings(newTokens, controls, seed, maxTokens, ppl, 128, 16, evaluation.klTokens), chat.encoder(model, tok));
            var outcome = evaluator.run(promptList, klPrompts, patch.rows(), patch.direction(), patch.alpha(), scorers);
            String primary = scorers.keySet().iterator().next();
            List<ConditionScores> conds = outcome.conditionScores(primary);
            long total = (long) m.transformer().config().layers() * m.transformer().config().hiddenDim();
            var result = new EvaluationResult(model.model.toString(), "patch " + editFile.getFileName(), primary, patch.size(), total,
                    patch.alpha(), patch.probeLayer(), probe.metadata(), conds.getFirst(), conds.get(1), conds.subList(2, conds.size()));
            float[][] cos = GateCosines.compute(m.transformer(), patch.direction());
            float[] selected = new float[patch.size()];
            int[] perLayer = new int[m.transformer().config().layers()];
            for (int k = 0; k < patch.size(); k++) {
                selected[k] = cos[patch.layerOf(k)][patch.rowOf(k)];
                perLayer[patch.layerOf(k)]++;
            }
            var r = new SurgeryPipeline.Result(probe, second, probe.directionCosine(second),
                    new Selection(patch.rows(), selected, perLayer, total), patch, outcome, result, result.behaviour());
            var written = SurgeryOutputs.write(out, r, List.of());
            for (String warning : written.warnings()) System.out.println("warning: " + warning);
            System.out.println(written.verdict().sentence());
            System.out.println("wrote " + written.markdown());
        }
        return 0;
    }
}
