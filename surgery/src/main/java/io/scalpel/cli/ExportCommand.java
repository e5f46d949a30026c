package io.scalpel.cli;

import io.scalpel.surgery.export.HuggingFaceExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Step 6: the model with its --patch edits applied, written as a new Hugging Face directory. */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Write the model (with --patch edits applied) as a new Hugging Face directory.")
public final class ExportCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--out", required = true, description = "Output directory (must not exist).") Path out;

    @Override public Integer call() {
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            HuggingFaceExporter.export(m.checkpoint(), m.transformer(), out);
            System.out.println("wrote " + out + " (" + m.surgeon().applied().size() + " patch(es) applied)");
        }
        return 0;
    }
}
