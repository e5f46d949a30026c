package io.scalpel.cli;

import io.scalpel.io.SafetensorsWriter;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.surgery.chat.PromptEncoder;
import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.data.TrainValidationSplit;
import io.scalpel.surgery.probe.AdamProbeTrainer;
import io.scalpel.surgery.probe.LabelledVectors;
import io.scalpel.surgery.probe.LogisticRegressionProbeTrainer;
import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.probe.ProbeMetadata;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Step 1–2: activations over labelled texts, then a linear probe; writes the probe as safetensors. */
@Command(name = "probe", mixinStandardHelpOptions = true, description = "Train a behaviour probe on pooled hidden states; writes --out probe.safetensors.",
        footer = {"", "Example:", "  scalpel probe --model ../shared/models/stories260K/stories260K.bin --avoid rude.txt --keep polite.txt --out probe.safetensors"})
public final class ProbeCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SurgeryDataOptions data;
    @Mixin ProbeTrainingOptions training;
    @Option(names = "--layer", defaultValue = "-1", description = "Hidden-state index the probe reads: 0 = embeddings … L = after the final norm (default -1 = L, as the paper).")
    int layer = -1;
    @Mixin ChatOptions chat;
    @Option(names = "--out", required = true, description = "Probe file to write (must not exist).") Path out;

    @Override public Integer call() {
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new file (nothing was written)");
        training.check();
        if (layer < -1) throw new UserInputException("--layer must be -1 (the final norm) or a hidden-state index >= 0, got " + layer);
        chat.check();
        List<LabelledText> texts = data.read();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            int layers = m.transformer().config().layers();
            if (layer > layers) throw new UserInputException("--layer " + layer + " is outside [0, " + layers + "] for this model");
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(), model.model);
            int index = layer < 0 ? layers : layer;
            var sample = io.scalpel.surgery.pipeline.SurgeryPipeline.balance(texts, data.maxPerClass, training.seed);
            var split = TrainValidationSplit.of(sample, training.validationShare, training.seed);
            ActivationCollector collector = new ActivationCollector(m.transformer(), new int[]{index}, training.maxTokens, training.packing.batchTokens);
            PromptEncoder encoder = chat.encoder(model, tok);
            LabelledVectors train = vectors(collector, encoder, split.train()), val = vectors(collector, encoder, split.validation());
            Probe probe = switch (training.solverChoice()) {
                case ADAM -> new AdamProbeTrainer(training.adam()).train(train, val, index);
                case LOGISTIC_REGRESSION -> new LogisticRegressionProbeTrainer().train(train, val, index);
            };
            ProbeMetadata p = probe.metadata();
            System.out.printf("probe %s, layer %d: train %.1f%% (%d), validation %.1f%% (%d), |v| = %.4f, moved from init %.4f, converged: %s%n",
                    p.solver().id(), index, 100 * p.trainAccuracy(), p.trainCount(), 100 * p.validationAccuracy(), p.validationCount(),
                    p.directionNorm(), p.distanceFromInit(), io.scalpel.surgery.report.SurgeryReport.convergence(p));
            probe.save(out, SafetensorsWriter.WriteMode.CREATE_NEW);
            System.out.println("wrote " + out);
        }
        return 0;
    }

    private static LabelledVectors vectors(ActivationCollector c, PromptEncoder encoder, List<LabelledText> texts) {
        float[][] pooled = c.collect(texts.stream().map(t -> encoder.encode(t.text())).toList(), System.console() != null);
        return new LabelledVectors(pooled, texts.stream().mapToInt(LabelledText::label).toArray());
    }
}
