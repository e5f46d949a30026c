package io.scalpel.cli;

import io.scalpel.surgery.activations.ActivationCache;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The method's knobs besides the edit's own (α, K, layer: {@link EditOptions}), defaulting to the paper's values. */
public final class SurgeryOptions {
    @Option(names = "--second-layer", defaultValue = "-1", description = "Index of the second probe used only to score (default -1 = L/2).")
    int secondLayer;

    @Mixin ProbeTrainingOptions probe;
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
        if (newTokens < 1) throw new UserInputException("--new-tokens must be at least 1, got " + newTokens);
        probe.check();
        ActivationCache c = noCache ? null : cache != null ? new ActivationCache(cache) : ActivationCache.userDefault();
        return new SurgeryPipeline.Options(layer, secondLayer, probe.maxTokens, probe.packing.batchTokens, probe.solverChoice(), probe.adam(), probe.validationShare, probe.seed, topK, alpha,
                newTokens, controls, 0, c, progress, EvaluationOptions.DEFAULT_KL_TOKENS, null);
    }
}
