package io.scalpel.surgery.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalpel.io.GgufFile;
import io.scalpel.io.GgufReader;
import io.scalpel.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a model's chat template where Hugging Face and llama.cpp keep it: in a model directory,
 * {@code chat_template.jinja} or {@code tokenizer_config.json}'s {@code chat_template} (a string, or a
 * list of {@code {name, template}} of which "default" is taken); in a GGUF file, the metadata key
 * {@code tokenizer.chat_template}. BOS and EOS text come from {@code tokenizer_config.json}
 * ({@code bos_token}/{@code eos_token}, a string or {@code {"content": ...}}), else from the tokenizer.
 */
public final class ChatTemplateLoader {
    public static final String GGUF_KEY = "tokenizer.chat_template";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatTemplateLoader() {}

    /** @param model a model directory, a GGUF file, or a file inside a model directory */
    public static Optional<ChatTemplate> find(Path model, Tokenizer tokenizer) {
        if (Files.isRegularFile(model) && isGguf(model)) return fromGguf(model, tokenizer);
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        return dir == null ? Optional.empty() : fromDirectory(dir, tokenizer);
    }

    static Optional<ChatTemplate> fromDirectory(Path dir, Tokenizer tokenizer) {
        Path config = dir.resolve("tokenizer_config.json"), jinja = dir.resolve("chat_template.jinja");
        try {
            JsonNode root = Files.isRegularFile(config) ? JSON.readTree(config.toFile()) : JSON.createObjectNode();
            String source = Files.isRegularFile(jinja) ? Files.readString(jinja, StandardCharsets.UTF_8) : template(root.path("chat_template"));
            if (source == null) return Optional.empty();
            return Optional.of(new ChatTemplate(source, token(root.path("bos_token"), tokenizer, tokenizer.bosId()),
                    token(root.path("eos_token"), tokenizer, tokenizer.eosId())));
        } catch (IOException e) {
            throw new IllegalArgumentException(config + ": cannot read the chat template: " + e.getMessage());
        }
    }

    static Optional<ChatTemplate> fromGguf(Path file, Tokenizer tokenizer) {
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena);
            if (!gguf.metadata().contains(GGUF_KEY)) return Optional.empty();
            String source = gguf.metadata().getString(GGUF_KEY, "");
            return Optional.of(new ChatTemplate(source, text(tokenizer, tokenizer.bosId()), text(tokenizer, tokenizer.eosId())));
        }
    }

    private static String template(JsonNode t) {
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            JsonNode first = null;
            for (JsonNode named : t) {
                if (first == null) first = named.path("template");
                if ("default".equals(named.path("name").asText())) return named.path("template").asText();
            }
            return first == null || !first.isTextual() ? null : first.asText();
        }
        return null;
    }

    private static String token(JsonNode configured, Tokenizer tokenizer, int id) {
        if (configured.isTextual()) return configured.asText();
        if (configured.path("content").isTextual()) return configured.path("content").asText();
        return text(tokenizer, id);
    }

    private static String text(Tokenizer tokenizer, int id) {
        return id < 0 ? "" : tokenizer.tokenText(id);
    }

    private static boolean isGguf(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }
}
