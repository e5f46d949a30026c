package io.scalpel.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by every command that loads a model. */
public final class ModelOptions {
    @Option(names = "--model", required = true, description = "Model path: a Hugging Face directory, a .gguf or a llama2.c .bin.")
    Path model;

    @Option(names = "--tokenizer", description = "Tokenizer file when it is not beside or inside the model (tokenizer.json, .gguf, tokenizer.bin).")
    Path tokenizer;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda[:N] or emu (auto: CUDA when a device and driver answer, else the CPU; emu: the CUDA backend on the PTX interpreter). Default: ${DEFAULT-VALUE}.")
    String device = "auto";

    @Option(names = "--threads", description = "CPU worker threads, ≥ 1 (default: all cores).")
    Integer threads;

    @Option(names = "--patch", description = "Apply a surgery patch (patch.safetensors) on load; repeatable, applied in order.")
    java.util.List<Path> patches = new java.util.ArrayList<>();

    @Option(names = "--lora", description = "Apply a LoRA on load (a PEFT directory or adapter_model.safetensors, or a GGUF LoRA adapter), "
            + "any rank, any of q/k/v/o/gate/up/down_proj, scaled by lora_alpha / r; repeatable, applied after the patches.")
    java.util.List<Path> loras = new java.util.ArrayList<>();

    @Option(names = "--verbose", description = "Print stack traces on errors, and the device and patch lines.")
    boolean verbose;

    /** Checks what needs no file: run before anything is opened, so a typo fails in milliseconds. */
    void validate() {
        if (threads != null && threads < 1) throw new UserInputException("--threads must be ≥ 1, got " + threads);
        try {
            io.scalpel.backend.BackendChoice.DeviceRequest.parse(device);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--device: " + ScalpelCommand.oneLine(e.getMessage()));
        }
    }

    /**
     * Reads every {@code --patch} (each checked against its content hash) before the model is
     * loaded; the same patch given twice is refused, since it would add α·v twice.
     */
    java.util.List<io.scalpel.surgery.patch.Patch> readPatches() {
        java.util.List<io.scalpel.surgery.patch.Patch> out = new java.util.ArrayList<>();
        java.util.Map<String, Path> byContent = new java.util.HashMap<>();
        for (Path p : patches) {
            var patch = io.scalpel.surgery.patch.PatchFile.read(p);
            Path earlier = byContent.putIfAbsent(patch.contentSha256(), p);
            if (earlier != null) {
                throw new UserInputException(p + ": the same patch as " + earlier + " is given twice; it would be applied twice");
            }
            out.add(patch);
        }
        return out;
    }
}
