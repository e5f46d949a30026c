package io.scalpel.cli;

import io.scalpel.surgery.hub.HubDownloader;
import io.scalpel.surgery.hub.HubModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * The README's main job: the whole surgery on a model with the project's own small labelled set
 * (rude vs polite sentences, written for the project). Without --model it downloads a small default
 * instruct model once into the user cache.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole surgery with the built-in labelled set. Without --model, downloads SmolLM2-135M-Instruct (Apache-2.0) once into the user cache.",
        footer = {"", "Example:", "  scalpel demo --model ../shared/models/stories260K/stories260K.gguf --out /tmp/demo"})
public final class DemoCommand implements Callable<Integer> {
    static final HubModel DEFAULT_MODEL = new HubModel("HuggingFaceTB/SmolLM2-135M-Instruct", "main");

    @Option(names = "--model", description = "Model path (default: download " + "HuggingFaceTB/SmolLM2-135M-Instruct" + ").") Path modelPath;
    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda[:N] or emu (the CUDA backend on the PTX interpreter). Default ${DEFAULT-VALUE}.") String device;
    @Option(names = "--out", description = "Output directory (default: scalpel-demo-<time>).") Path out;
    @Option(names = "--verbose", description = "Print stack traces on errors, and the device lines.") boolean verbose;
    @Mixin EditOptions edit;
    @Mixin SurgeryOptions surgery;

    @Override public Integer call() throws IOException {
        Path model = modelPath != null ? modelPath : download();
        Path dir = out != null ? out : Path.of("scalpel-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path data = Files.createTempDirectory("scalpel-demo-data");
        Thread cleanup = io.scalpel.io.StagedDirectory.deleteOnInterrupt(data); // Ctrl-C must not leave it behind
        try {
            SurgeryDataOptions d = new SurgeryDataOptions();
            d.avoid.add(resource("avoid.txt", data));
            d.keep.add(resource("keep.txt", data));
            ModelOptions m = new ModelOptions();
            m.model = model;
            m.device = device;
            m.verbose = verbose;
            System.err.println("scalpel demo: surgery on " + model + " with the built-in rude-vs-polite set; results in " + dir);
            EvaluationOptions e = new EvaluationOptions();
            e.maxPrompts = 20;
            return SurgeryCommand.run(m, d, edit, surgery, e, new ChatOptions(), "rude (avoid) vs polite (keep), built-in demo set", dir, 0);
        } finally {
            io.scalpel.io.StagedDirectory.deleteRecursively(data);
            io.scalpel.io.StagedDirectory.removeHook(cleanup);
        }
    }

    private static Path download() {
        try {
            return HubDownloader.fromEnvironment(System.getenv()).download(DEFAULT_MODEL);
        } catch (RuntimeException e) {
            // The downloader's message already names the model and says to pass --model when offline.
            throw new UserInputException(ScalpelCommand.oneLine(e.getMessage()));
        }
    }

    private static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/io/scalpel/surgery/demo/" + name)) {
            if (in == null) throw new UserInputException("built-in demo data " + name + " is missing from this build");
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }
}
