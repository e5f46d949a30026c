package io.scalpel.cli;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.GgufModelMetadata;
import io.scalpel.io.ModelFormat;
import io.scalpel.surgery.export.GgufExporter;
import io.scalpel.surgery.export.HuggingFaceExporter;
import io.scalpel.surgery.lora.GgufLoraFile;
import io.scalpel.surgery.lora.LoraAdapter;
import io.scalpel.surgery.lora.PeftLoraFile;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Step 6: the edited model leaves Scalpel — as a Hugging Face directory or a GGUF file (the model with
 * its --patch and --lora edits applied, tokenizer included), or as the --patch edits alone in the
 * forms LoRA tools load (a PEFT directory, a llama.cpp GGUF adapter).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the model with its --patch/--lora edits as a Hugging Face directory or a GGUF file, or the --patch edits as a LoRA (PEFT or GGUF).",
        footer = {"", "Example:", "  scalpel export --model ../shared/models/stories260K/stories260K.gguf --patch patch.safetensors --format hf --out edited/"})
public final class ExportCommand implements Callable<Integer> {
    /** The export forms. */
    enum Format { HF, GGUF, LORA_PEFT, LORA_GGUF }

    @Mixin ModelOptions model;
    @Option(names = "--format", description = "hf, gguf, lora-peft or lora-gguf (default: the input's family: gguf for a GGUF input, else hf).")
    String format;
    @Option(names = "--base-name", description = "base_model_name_or_path written into a LoRA (default: the --model path).")
    String baseName;
    @Option(names = "--out", required = true, description = "Output directory (hf, lora-peft) or file (gguf, lora-gguf); must not exist.") Path out;

    @Override public Integer call() {
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new output path (nothing was written)");
        Format f = parseFormat();
        boolean lora = f == Format.LORA_PEFT || f == Format.LORA_GGUF;
        if (lora && model.patches.isEmpty()) throw new UserInputException("--format " + format + " exports the --patch edits as a LoRA; pass at least one --patch");
        if (lora && !model.loras.isEmpty()) throw new UserInputException("--format " + format + " exports the --patch edits only; --lora cannot be combined with it");
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            switch (f) {
                case HF -> HuggingFaceExporter.export(m.checkpoint(), m.transformer(), tokenizer(), out);
                case GGUF -> GgufExporter.export(m.checkpoint(), m.transformer(), tokenizer(), out);
                case LORA_PEFT, LORA_GGUF -> {
                    List<Patch> patches = new ArrayList<>();
                    for (Path p : model.patches) patches.add(PatchFile.read(p));
                    LoraAdapter adapter = LoraAdapter.fromPatches(patches, m.checkpoint().config(),
                            baseName != null ? baseName : model.model.toString());
                    if (f == Format.LORA_PEFT) PeftLoraFile.write(adapter, out);
                    else GgufLoraFile.write(adapter, m.checkpoint().config(), GgufModelMetadata.architecture(m.checkpoint().config()), out);
                }
            }
            System.out.println("wrote " + out + " (" + f.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ", "
                    + m.surgeon().applied().size() + " patch(es)" + (model.loras.isEmpty() ? "" : ", " + model.loras.size() + " LoRA(s)") + ")");
        }
        return 0;
    }

    private Format parseFormat() {
        if (format == null) return ModelFormat.detect(model.model) instanceof ModelFormat.Gguf ? Format.GGUF : Format.HF;
        return switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "hf", "huggingface", "safetensors" -> Format.HF;
            case "gguf" -> Format.GGUF;
            case "lora-peft", "peft" -> Format.LORA_PEFT;
            case "lora-gguf" -> Format.LORA_GGUF;
            default -> throw new UserInputException("--format " + format + " is not one of hf, gguf, lora-peft, lora-gguf");
        };
    }

    /** The model's tokenizer, or null (with a line saying so) when none is found: the export then carries none. */
    private Tokenizer tokenizer() {
        try {
            return Tokenizers.forModel(model);
        } catch (TokenizerException | CheckpointException e) {
            System.err.println("scalpel: exporting without a tokenizer: " + ScalpelCommand.oneLine(e.getMessage()));
            return null;
        }
    }
}
