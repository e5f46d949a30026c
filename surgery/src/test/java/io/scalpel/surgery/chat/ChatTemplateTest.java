package io.scalpel.surgery.chat;

import io.scalpel.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Published chat templates (test resources {@code chat/<model>/tokenizer_config.json}, each template's
 * text as its model card's tokenizer_config.json has it) rendered by Jinjava, against strings written
 * out by hand from reading each template.
 */
class ChatTemplateTest {

    /** A tokenizer that only knows its BOS/EOS text, for templates whose config names none. */
    private record Specials(String bos, String eos) implements Tokenizer {
        @Override public int[] encode(String text, boolean addBos) { throw new UnsupportedOperationException(); }
        @Override public Decoder newDecoder() { throw new UnsupportedOperationException(); }
        @Override public int bosId() { return bos == null ? -1 : 1; }
        @Override public int eosId() { return 2; }
        @Override public int vocabSize() { return 3; }
        @Override public String tokenText(int id) { return id == 1 ? bos : id == 2 ? eos : "?"; }
    }

    private static ChatTemplate load(String name, Tokenizer tok) {
        try {
            Path dir = Path.of(ChatTemplateTest.class.getResource("/chat/" + name + "/tokenizer_config.json").toURI()).getParent();
            return ChatTemplateLoader.find(dir, tok).orElseThrow();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Tokenizer NONE = new Specials(null, "?");
    private static final List<ChatMessage> SYSTEM_AND_USER = List.of(ChatMessage.system("You are terse."), ChatMessage.user("How do I bake bread?"));
    private static final List<ChatMessage> THREE_TURNS = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello."), ChatMessage.user("Bye"));

    @Test void llama2Chat() {
        ChatTemplate t = load("llama-2-chat", NONE);
        assertEquals("<s>", t.bosToken(), "bos_token given as an AddedToken object");
        assertEquals("<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHow do I bake bread? [/INST]", t.render(SYSTEM_AND_USER, true));
        assertEquals("<s>[INST] Hi [/INST] Hello. </s><s>[INST] Bye [/INST]", t.render(THREE_TURNS, false));
        assertEquals("<s>[INST] trimmed [/INST]", t.userTurn("  trimmed \n", null), "content.strip() strips");
        var e = assertThrows(ChatTemplate.RenderException.class, () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertEquals("chat template: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test void llama3Instruct() {
        ChatTemplate t = load("llama-3-instruct", NONE);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow do I bake bread?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(SYSTEM_AND_USER, true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", t.render(List.of(ChatMessage.user(" Hi ")), false),
                "message['content'] | trim, and no generation prompt");
    }

    @Test void mistralInstruct() {
        ChatTemplate t = load("mistral-instruct", NONE);
        assertEquals("<s>[INST] How do I bake bread? [/INST]", t.userTurn("How do I bake bread?", null));
        assertEquals("<s>[INST] Hi [/INST]Hello.</s>[INST] Bye [/INST]", t.render(THREE_TURNS, true));
        var e = assertThrows(ChatTemplate.RenderException.class, () -> t.render(SYSTEM_AND_USER, true));
        assertEquals("chat template: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test void qwen2ChatMl() {
        ChatTemplate t = load("qwen2-chatml", NONE);
        assertEquals("", t.bosToken(), "Qwen2 has no BOS");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHow do I bake bread?<|im_end|>\n"
                + "<|im_start|>assistant\n", t.userTurn("How do I bake bread?", null));
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHow do I bake bread?<|im_end|>\n<|im_start|>assistant\n",
                t.render(SYSTEM_AND_USER, true));
    }

    @Test void smolLm2() {
        ChatTemplate t = load("smollm2", NONE);
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n",
                t.render(THREE_TURNS, false));
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHow do I bake bread?<|im_end|>\n<|im_start|>assistant\n",
                t.userTurn("How do I bake bread?", "You are terse."));
    }

    @Test void aTrailingNewlineOfTheTemplateIsDroppedAsJinja2Does() {
        assertEquals("x", new ChatTemplate("{{ 'x' }}\n", "", "").render(List.of(), false));
        assertEquals("a\n", new ChatTemplate("{% for m in messages %}{{ m['content'] }}\n{% endfor %}", "", "").render(List.of(ChatMessage.user("a")), false));
    }
}
