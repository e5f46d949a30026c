package io.scalpel.surgery.lora;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.GgufReader;
import io.scalpel.model.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a LoRA in either form, recognised by content: a PEFT directory or safetensors file, or a GGUF adapter. */
public final class LoraFiles {
    private LoraFiles() {}

    public static LoraAdapter read(Path path, ModelConfig base) {
        if (!Files.exists(path)) throw new CheckpointException(path, "no such file or directory");
        if (Files.isDirectory(path)) return PeftLoraFile.read(path);
        byte[] magic;
        try (InputStream in = Files.newInputStream(path)) {
            magic = in.readNBytes(4);
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read: " + e.getMessage(), e);
        }
        if (magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') {
            try (Arena a = Arena.ofConfined()) {
                if (!GgufLoraFile.isAdapter(GgufReader.open(path, a).metadata())) {
                    throw new CheckpointException(path, "a GGUF model, not a LoRA adapter (general.type is not \"adapter\")");
                }
            }
            return GgufLoraFile.read(path, base);
        }
        return PeftLoraFile.read(path);
    }
}
