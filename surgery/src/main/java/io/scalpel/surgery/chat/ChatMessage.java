package io.scalpel.surgery.chat;

import java.util.Map;
import java.util.Objects;

/** One turn of a conversation: {@code role} is "system", "user" or "assistant". */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) { return new ChatMessage("system", content); }

    public static ChatMessage user(String content) { return new ChatMessage("user", content); }

    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }

    /** What a template sees: {@code message['role']} and {@code message['content']}. */
    Map<String, Object> asTemplateValue() { return Map.of("role", role, "content", content); }
}
