package io.scalpel.e2e;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --chat end to end on stories260K, whose tokenizer sits in a folder with a tokenizer_config.json
 * holding a plain-text chat template (the model has no special chat tokens).
 */
class ChatOptionTest {
    @TempDir Path tmp;

    private Path tokenizerWithTemplate() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        Path tok = Files.createSymbolicLink(dir.resolve("tok512.bin"), SharedData.require("models/stories260K/tok512.bin"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"}
                """);
        return tok;
    }

    @Test void generateWrapsThePromptInTheTemplate() throws IOException {
        Path tok = tokenizerWithTemplate();
        String model = SharedData.require("models/stories260K/stories260K.bin").toString();
        Cli r = Cli.run("generate", "--model", model, "--tokenizer", tok.toString(), "--chat", "--system", "Be kind.",
                "--prompt", "Tell a story.", "--max-tokens", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("system: Be kind.\nuser: Tell a story.\nassistant:"), r.out());
        Cli plain = Cli.run("generate", "--model", model, "--tokenizer", tok.toString(), "--prompt", "Tell a story.", "--max-tokens", "4");
        assertTrue(plain.out().startsWith("Tell a story."), plain.out());
    }

    @Test void probeReadsTheLabelledTextsAsUserTurns() throws IOException {
        Path tok = tokenizerWithTemplate();
        Path probe = tmp.resolve("probe.safetensors");
        Cli r = Cli.run("probe", "--model", SharedData.require("models/stories260K/stories260K.bin").toString(), "--tokenizer", tok.toString(),
                "--chat", "--data", SharedData.require("data/sst2/dev.tsv").toString(), "--text-column", "content", "--avoid-value", "0",
                "--max-per-class", "20", "--max-tokens", "24", "--out", probe.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.size(probe) > 0);
    }

    @Test void chatWithoutATemplateOrSystemWithoutChatIsRefused() {
        String model = SharedData.require("models/stories260K/stories260K.bin").toString();
        Cli none = Cli.run("generate", "--model", model, "--chat", "--prompt", "hi", "--max-tokens", "2");
        assertEquals(2, none.exitCode(), none.err());
        assertTrue(none.errorLine().contains("no chat template"), none.errorLine());
        Cli system = Cli.run("generate", "--model", model, "--system", "x", "--prompt", "hi", "--max-tokens", "2");
        assertEquals(2, system.exitCode());
        assertTrue(system.errorLine().contains("--system needs --chat"), system.errorLine());
    }
}
