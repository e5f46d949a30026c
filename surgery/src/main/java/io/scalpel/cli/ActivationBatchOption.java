package io.scalpel.cli;

import io.scalpel.surgery.activations.ActivationCollector;
import picocli.CommandLine.Option;

/** How many rows one prefill takes when activations are collected: on every command that collects them. */
public final class ActivationBatchOption {
    @Option(names = "--batch-tokens", defaultValue = "" + ActivationCollector.DEFAULT_BATCH_TOKENS,
            description = "Rows per prefill when collecting activations: consecutive texts are packed into one pass, each at its own positions "
                    + "and attending only to itself, so the vectors are those of one text per prefill (bit for bit on the CPU for texts of 2+ tokens; 1 = one text per prefill). Default ${DEFAULT-VALUE}.")
    int batchTokens = ActivationCollector.DEFAULT_BATCH_TOKENS;

    void check() {
        if (batchTokens < 1) throw new UserInputException("--batch-tokens must be at least 1, got " + batchTokens);
    }
}
