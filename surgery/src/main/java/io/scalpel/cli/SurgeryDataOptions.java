package io.scalpel.cli;

import io.scalpel.surgery.data.LabelMapping;
import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.data.LabelledTextReader;
import io.scalpel.surgery.data.TextFormat;
import io.scalpel.surgery.data.TrainingDataCheck;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Where the labelled texts come from: files per class, or labelled CSV/TSV/JSONL files. */
public final class SurgeryDataOptions {
    @Option(names = "--avoid", description = "Texts of the behaviour to avoid (class 1): one per line, or ToxiGen prompt files (hate_*_1k.txt). Repeatable.")
    List<Path> avoid = new ArrayList<>();

    @Option(names = "--keep", description = "Texts of the behaviour to keep (class 0). Repeatable.")
    List<Path> keep = new ArrayList<>();

    @Option(names = "--data", description = "Labelled CSV/TSV/JSONL files (see --text-column, --label-column, --avoid-value). Repeatable.")
    List<Path> data = new ArrayList<>();

    @Option(names = "--text-column", defaultValue = "text", description = "Text column/field of --data files (default ${DEFAULT-VALUE}; SST-2: content).")
    String textColumn = "text";

    @Option(names = "--label-column", defaultValue = "label", description = "Label column/field of --data files (default ${DEFAULT-VALUE}).")
    String labelColumn = "label";

    @Option(names = "--avoid-value", defaultValue = "1", description = "Label value meaning 'avoid' in --data files: 1 (toxic=1) or 0 (SST-2 negative=0). Default ${DEFAULT-VALUE}.")
    String avoidValue = "1";

    @Option(names = "--max-per-class", defaultValue = "400", description = "Texts per class at most, a seeded sample (0 = all). Default ${DEFAULT-VALUE}.")
    int maxPerClass = 400;

    @Option(names = "--force", description = "Run even when the training data fails its checks (fewer than 16 texts per class, identical or overlapping classes); the report then warns.")
    boolean force;

    /** Problems the data checks found and --force overrode, for the report's warnings. */
    List<String> overridden = List.of();

    /** Reads the labelled texts and checks them (before any model is loaded); refuses bad data unless --force. */
    List<LabelledText> read() {
        if (avoid.isEmpty() && keep.isEmpty() && data.isEmpty()) throw new UserInputException("give labelled texts: --avoid and --keep files, or --data");
        LabelMapping labels = switch (avoidValue) {
            case "1" -> LabelMapping.binary();
            case "0" -> LabelMapping.inverted();
            default -> new LabelMapping(Set.of(avoidValue), Set.of());
        };
        List<LabelledTextReader.Source> sources = new ArrayList<>();
        for (Path p : avoid) sources.add(new LabelledTextReader.Source(p, TextFormat.forFile(p, textColumn, labelColumn, labels, LabelledText.AVOID)));
        for (Path p : keep) sources.add(new LabelledTextReader.Source(p, TextFormat.forFile(p, textColumn, labelColumn, labels, LabelledText.KEEP)));
        for (Path p : data) sources.add(new LabelledTextReader.Source(p, TextFormat.forFile(p, textColumn, labelColumn, labels, LabelledText.AVOID)));
        List<LabelledText> texts = LabelledTextReader.readAll(sources);
        List<Path> all = new ArrayList<>(avoid);
        all.addAll(keep);
        all.addAll(data);
        LabelledTextReader.requireBothClasses(all, texts);
        List<String> problems = TrainingDataCheck.problems(texts);
        if (!problems.isEmpty() && !force) {
            throw new UserInputException(String.join(", ", all.stream().map(Path::toString).toList()) + ": " + String.join("; ", problems)
                    + " (nothing was run; --force runs anyway)");
        }
        overridden = List.copyOf(problems);
        return texts;
    }

    /** One prompt per line from a file, or the project's own demo prompts. */
    static List<String> prompts(Path file, int max) {
        try {
            List<String> lines;
            if (file != null) {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } else {
                try (InputStream in = SurgeryDataOptions.class.getResourceAsStream("/io/scalpel/surgery/demo/prompts.txt")) {
                    if (in == null) throw new UserInputException("no --prompts given and no built-in prompts in this build");
                    lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
                }
            }
            List<String> prompts = lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).limit(max).toList();
            if (prompts.isEmpty()) throw new UserInputException((file == null ? "built-in prompts" : file.toString()) + ": no prompts (empty file)");
            return prompts;
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read prompts: " + e.getMessage());
        }
    }
}
