package io.scalpel.cli;

import io.scalpel.surgery.activations.ActivationCache;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.ProbeSolver;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The method's knobs, defaulting to the paper's values. */
public final class SurgeryOptions {
    @Option(names = "--alpha", defaultValue = "1.08", description = "Edit strength α (paper: 1.08 detox, 1 jailbreak/attitude; negative pushes the other way). Default ${DEFAULT-VALUE}.")
    float alpha;

    @Option(names = "--top-k", description = "Gate rows to edit (default: the paper's share, 16384 of 352256 rows = 4.65%%).")
    Integer topK;

    @Option(names = "--layer", defaultValue = "-1", description = "Hidden-state index the probe reads: 0 = embeddings … L = after the final norm (default -1 = L, as the paper).")
    int layer;

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

    SurgeryPipeline.Options toOptions(boolean progress) {
        if (!Float.isFinite(alpha)) throw new UserInputException("--alpha must be a finite number, got " + alpha);
        if (topK != null && topK < 1) throw new UserInputException("--top-k must be at least 1");
        ProbeSolver s;
        try {
            s = ProbeSolver.fromId(solver);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--solver must be adam or logistic-regression, got \"" + solver + "\"");
        }
        AdamProbeTrainer.Settings adam = AdamProbeTrainer.Settings.paper().withEpochs(epochs).withLearningRate(lr).withBatchSize(batch).withSeed(seed);
        ActivationCache c = noCache ? null : cache != null ? new ActivationCache(cache) : ActivationCache.userDefault();
        return new SurgeryPipeline.Options(layer, secondLayer, maxTokens, s, adam, validationShare, seed, topK, alpha,
                newTokens, controls, 0, c, progress);
    }
}
