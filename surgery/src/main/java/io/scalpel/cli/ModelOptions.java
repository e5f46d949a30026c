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

    @Option(names = "--threads", description = "CPU worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--patch", description = "Apply a surgery patch (patch.safetensors) on load; repeatable, applied in order.")
    java.util.List<Path> patches = new java.util.ArrayList<>();

    @Option(names = "--lora", description = "Apply a LoRA on load (a PEFT directory or adapter_model.safetensors, or a GGUF LoRA adapter), "
            + "any rank, any of q/k/v/o/gate/up/down_proj, scaled by lora_alpha / r; repeatable, applied after the patches.")
    java.util.List<Path> loras = new java.util.ArrayList<>();

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;
}
