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
@Command(name = "probe", mixinStandardHelpOptions = true, description = "Train a behaviour probe on pooled hidden states; writes --out probe.safetensors.")
public final class ProbeCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SurgeryDataOptions data;
    @Mixin EditOptions edit;
    @Mixin SurgeryOptions surgery;
    @Mixin ChatOptions chat;
    @Option(names = "--out", required = true, description = "Probe file to write (must not exist).") Path out;

    @Override public Integer call() {
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new file (nothing was written)");
        var o = surgery.toOptions(System.console() != null, edit);
        chat.check();
        List<LabelledText> texts = data.read();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            edit.checkAgainst(m.transformer().config());
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(), model.model);
            int index = o.layer() < 0 ? m.transformer().config().layers() : o.layer();
            var sample = io.scalpel.surgery.pipeline.SurgeryPipeline.balance(texts, data.maxPerClass, o.seed());
            var split = TrainValidationSplit.of(sample, o.validationShare(), o.seed());
            ActivationCollector collector = new ActivationCollector(m.transformer(), index, o.maxTokens());
            PromptEncoder encoder = chat.encoder(model, tok);
            LabelledVectors train = vectors(collector, encoder, split.train()), val = vectors(collector, encoder, split.validation());
            Probe probe = switch (o.solver()) {
                case ADAM -> new AdamProbeTrainer(o.adam()).train(train, val, index);
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
