package io.scalpel.cli;

import io.scalpel.surgery.activations.ActivationCache;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.ProbeSolver;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The method's knobs besides the edit's own (α, K, layer: {@link EditOptions}), defaulting to the paper's values. */
public final class SurgeryOptions {
    @Option(names = "--second-layer", defaultValue = "-1", description = "Index of the second probe used only to score (default -1 = L/2).")
    int secondLayer;

    @Option(names = "--solver", defaultValue = "adam", description = "Probe solver: adam (the paper's) or logistic-regression (Newton/IRLS to convergence). Default ${DEFAULT-VALUE}.")
    String solver;

    @Option(names = "--epochs", defaultValue = "9") int epochs;
    @Option(names = "--lr", defaultValue = "1e-4") double lr;
    @Option(names = "--batch", defaultValue = "16") int batch;
    @Option(names = "--validation-share", defaultValue = "0.1") double validationShare;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the split, probe initialisation and controls. Default ${DEFAULT-VALUE}.") long seed;
    @Option(names = "--max-tokens", defaultValue = "64", description = "Tokens per text at most when collecting activations. Default ${DEFAULT-VALUE}.") int maxTokens;
    @Option(names = "--new-tokens", defaultValue = "32", description = "Greedy tokens per evaluation prompt. Default ${DEFAULT-VALUE}.") int newTokens;
    @Option(names = "--controls", defaultValue = "3", description = "Random-direction controls. Default ${DEFAULT-VALUE}.") int controls;
    @Option(names = "--cache", description = "Activation cache directory (default: ~/.cache/scalpel/activations).") Path cache;
    @Option(names = "--no-cache", description = "Do not read or write the activation cache.") boolean noCache;

    SurgeryPipeline.Options toOptions(boolean progress, EditOptions edit) {
        edit.check();
        return toOptions(progress, edit.layer, edit.topK, edit.alpha);
    }

    /** @param layer hidden-state index of the edit probe (-1 = L); the search passes each candidate's own later */
    SurgeryPipeline.Options toOptions(boolean progress, int layer, Integer topK, float alpha) {
        if (controls < 0) throw new UserInputException("--controls must be at least 0, got " + controls);
        if (maxTokens < 1) throw new UserInputException("--max-tokens must be at least 1, got " + maxTokens);
        if (newTokens < 1) throw new UserInputException("--new-tokens must be at least 1, got " + newTokens);
        if (!(validationShare > 0 && validationShare < 1)) throw new UserInputException("--validation-share must be in (0, 1), got " + validationShare);
        ProbeSolver s;
        try {
            s = ProbeSolver.fromId(solver);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--solver must be adam or logistic-regression, got \"" + solver + "\"");
        }
        AdamProbeTrainer.Settings adam = AdamProbeTrainer.Settings.paper().withEpochs(epochs).withLearningRate(lr).withBatchSize(batch).withSeed(seed);
        ActivationCache c = noCache ? null : cache != null ? new ActivationCache(cache) : ActivationCache.userDefault();
        return new SurgeryPipeline.Options(layer, secondLayer, maxTokens, s, adam, validationShare, seed, topK, alpha,
                newTokens, controls, 0, c, progress, EvaluationOptions.DEFAULT_KL_TOKENS, null);
    }
}
