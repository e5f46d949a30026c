package io.scalpel.surgery.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A model's chat template — the Jinja2 text Hugging Face keeps in {@code tokenizer_config.json}
 * ({@code chat_template}) and GGUF in {@code tokenizer.chat_template} — rendered with Jinjava, as
 * {@code transformers}' {@code apply_chat_template} renders it: the variables {@code messages} (a list of
 * {@code {role, content}}), {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}, and
 * the function {@code raise_exception(message)}, which fails the render with the template's message.
 *
 * @param source   the template text
 * @param bosToken the tokenizer's BOS as text (e.g. "&lt;s&gt;"), "" when it has none
 * @param eosToken the tokenizer's EOS as text
 */
public record ChatTemplate(String source, String bosToken, String eosToken) {

    /** Thrown when the template calls {@code raise_exception} or cannot be rendered; the message is the template's own. */
    public static final class RenderException extends IllegalArgumentException {
        public RenderException(String message) { super(message); }
    }

    /** The text a model sees for {@code messages}; with {@code addGenerationPrompt} it ends where the assistant's reply begins. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        // Python's Jinja2 keeps a single trailing newline out (keep_trailing_newline = False) and, as transformers
        // sets them, trims blocks (trim_blocks, lstrip_blocks); Jinjava's defaults differ only in the latter two.
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withFailOnUnknownTokens(false).build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        // Jinja2's keep_trailing_newline = False: a single newline at the very end of the template is dropped.
        String text = source.endsWith("\r\n") ? source.substring(0, source.length() - 2)
                : source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        RenderResult result = jinjava.renderForResult(text, context);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String raised = raisedMessage(e);
                throw new RenderException(raised != null ? raised : "chat template: " + e.getMessage()
                        + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
            }
        }
        return result.getOutput();
    }

    /** A user prompt as a one-turn conversation (after an optional system turn), ready for the assistant's reply. */
    public String userTurn(String prompt, String system) {
        List<ChatMessage> messages = system == null ? List.of(ChatMessage.user(prompt))
                : List.of(ChatMessage.system(system), ChatMessage.user(prompt));
        return render(messages, true);
    }

    private static final String RAISED = "raise_exception: ";

    /** Called by templates as {@code raise_exception('...')}; Jinjava reports the exception as a fatal error. */
    public static String raiseException(String message) {
        throw new IllegalStateException(RAISED + message);
    }

    private static String raisedMessage(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains(RAISED)) return "chat template: " + m.substring(m.indexOf(RAISED) + RAISED.length());
        }
        String m = e.getMessage();
        return m != null && m.contains(RAISED) ? "chat template: " + m.substring(m.indexOf(RAISED) + RAISED.length()) : null;
    }

    @Override public String toString() {
        return "ChatTemplate[" + source.lines().limit(1).collect(Collectors.joining()) + "…]";
    }
}
