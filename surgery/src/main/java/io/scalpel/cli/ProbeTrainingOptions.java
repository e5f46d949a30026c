package io.scalpel.cli;

import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.ProbeSolver;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a probe is trained (solver, Adam's settings, the validation split, tokens per text): the
 * options `probe` shares with `surgery` and `search`, so `probe --help` lists only what it uses.
 */
public final class ProbeTrainingOptions {
    @Option(names = "--solver", defaultValue = "adam", description = "Probe solver: adam (the paper's) or logistic-regression (Newton/IRLS to convergence). Default ${DEFAULT-VALUE}.")
    String solver;

    @Option(names = "--epochs", defaultValue = "9", description = "Adam probe: passes over the training texts (default ${DEFAULT-VALUE}, as the paper).") int epochs;
    @Option(names = "--lr", defaultValue = "1e-4", description = "Adam probe: learning rate (default ${DEFAULT-VALUE}, as the paper).") double lr;
    @Option(names = "--batch", defaultValue = "16", description = "Adam probe: batch size (default ${DEFAULT-VALUE}, as the paper).") int batch;
    @Option(names = "--validation-share", defaultValue = "0.1", description = "Share of the texts held out to validate the probe, in (0, 1) (default ${DEFAULT-VALUE}).") double validationShare;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the split, probe initialisation and controls. Default ${DEFAULT-VALUE}.") long seed;
    @Option(names = "--max-tokens", defaultValue = "64", description = "Tokens per text at most when collecting activations. Default ${DEFAULT-VALUE}.") int maxTokens;
    @Mixin ActivationBatchOption packing;

    /** The checks that need no model; run before anything is opened. */
    void check() {
        if (maxTokens < 1) throw new UserInputException("--max-tokens must be at least 1, got " + maxTokens);
        packing.check();
        if (!(validationShare > 0 && validationShare < 1)) throw new UserInputException("--validation-share must be in (0, 1), got " + validationShare);
        solverChoice();
    }

    ProbeSolver solverChoice() {
        try {
            return ProbeSolver.fromId(solver);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--solver must be adam or logistic-regression, got \"" + solver + "\"");
        }
    }

    AdamProbeTrainer.Settings adam() {
        return AdamProbeTrainer.Settings.paper().withEpochs(epochs).withLearningRate(lr).withBatchSize(batch).withSeed(seed);
    }
}
