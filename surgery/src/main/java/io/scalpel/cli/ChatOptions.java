package io.scalpel.cli;

import io.scalpel.surgery.chat.ChatTemplate;
import io.scalpel.surgery.chat.ChatTemplateLoader;
import io.scalpel.surgery.chat.PromptEncoder;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** {@code --chat} and {@code --system}: wrap every prompt (and labelled text) as a user turn of the model's chat template. */
public final class ChatOptions {
    @Option(names = "--chat", description = "Wrap each prompt as a user turn of the model's chat template (tokenizer_config.json chat_template or GGUF tokenizer.chat_template), ending with the generation prompt.")
    boolean chat;

    @Option(names = "--system", description = "System turn before each prompt (needs --chat).")
    String system;

    void check() {
        if (system != null && !chat) throw new UserInputException("--system needs --chat");
    }

    /** Plain prompts, or the chat template found beside the model (or the --tokenizer file). */
    PromptEncoder encoder(ModelOptions model, Tokenizer tokenizer) {
        check();
        if (!chat) return new PromptEncoder.Plain(tokenizer);
        var where = model.tokenizer != null ? model.tokenizer : model.model;
        ChatTemplate template = ChatTemplateLoader.find(where, tokenizer).orElseThrow(() -> new UserInputException(where
                + ": no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja, no GGUF tokenizer.chat_template); drop --chat"));
        PromptEncoder.Chat encoder = new PromptEncoder.Chat(tokenizer, template, system);
        encoder.format("check"); // a template that cannot render a one-turn conversation fails here, before any work
        return encoder;
    }
}
