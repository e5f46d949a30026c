package io.scalpel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds BOS and EOS ids for Hugging Face-style tokenizer folders: {@code tokenizer_config.json}'s
 * {@code bos_token}/{@code eos_token} (a string or an AddedToken object), else {@code config.json}'s
 * {@code bos_token_id}/{@code eos_token_id} (an int or a list, first taken), else conventional names.
 */
final class SpecialTokenConfig {
    static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<|endoftext|>");
    static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>");

    private final JsonNode tokenizerConfig;
    private final JsonNode modelConfig;

    /** Reads the config files in {@code dir} where they exist. */
    SpecialTokenConfig(Path dir, ObjectMapper json) {
        this.tokenizerConfig = readIfPresent(dir.resolve("tokenizer_config.json"), json);
        this.modelConfig = readIfPresent(dir.resolve("config.json"), json);
    }

    private static JsonNode readIfPresent(Path file, ObjectMapper json) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** BOS id, {@code fallback} when the configs do not say, else the first conventional name present, else -1. */
    int bos(Vocabulary vocab, int fallback) {
        return resolve(vocab, "bos_token", "bos_token_id", fallback, BOS_NAMES);
    }

    int eos(Vocabulary vocab, int fallback) {
        return resolve(vocab, "eos_token", "eos_token_id", fallback, EOS_NAMES);
    }

    private int resolve(Vocabulary vocab, String tokenKey, String idKey, int fallback, List<String> names) {
        if (tokenizerConfig != null) {
            JsonNode token = tokenizerConfig.get(tokenKey);
            String text = token == null ? null : token.isTextual() ? token.asText() : token.path("content").asText(null);
            if (text != null && vocab.id(text) >= 0) return vocab.id(text);
        }
        if (modelConfig != null) {
            JsonNode id = modelConfig.get(idKey);
            if (id != null && id.isArray() && !id.isEmpty()) id = id.get(0);
            if (id != null && id.canConvertToInt() && id.asInt() >= 0 && id.asInt() < vocab.size()) return id.asInt();
        }
        if (fallback >= 0) return fallback;
        for (String name : names) {
            if (vocab.id(name) >= 0) return vocab.id(name);
        }
        return -1;
    }
}
