package io.scalpel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Prints token ids, space separated; or, with --jsonl, one JSON id list per input line. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of a text (space separated).",
                "Text read from stdin loses one trailing newline (what echo and editors add), so 'echo hi | scalpel tokenize' "
                        + "and '--text hi' agree; pass --text $'hi\\n' to keep one. BOS is prepended when the vocabulary has one."},
        footer = {"", "Examples:", "  scalpel tokenize --tokenizer ../shared/models/stories260K --text \"Once upon a time\"",
                "  scalpel tokenize --tokenizer tokenizer.json --jsonl < texts.jsonl > ids.jsonl"})
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true,
            description = "tokenizer.json, .gguf, tokenizer.bin (or tok*.bin), or a folder holding one.") Path tokenizer;
    @Option(names = "--text", description = "Text to tokenize (default: read stdin).") String text;
    @Option(names = "--jsonl", description = "Read stdin as JSON lines, each a string or an object with \"text\"; write one JSON array of ids per line.")
    boolean jsonl;
    @Option(names = "--no-bos", description = "Do not prepend BOS.") boolean noBos;
    @Option(names = "--verbose", description = "Print stack traces on errors.") boolean verbose;

    @Override public Integer call() throws IOException {
        if (jsonl && text != null) throw new UserInputException("--jsonl reads stdin; it cannot be combined with --text");
        Tokenizer t = Tokenizers.forTokenizerPath(tokenizer);
        boolean bos = !noBos && t.bosId() >= 0;
        if (!noBos && t.bosId() < 0) System.err.println("scalpel: this vocabulary has no BOS token; none prepended");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (jsonl) {
            ObjectMapper json = new ObjectMapper();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                out.println(json.writeValueAsString(t.encode(textOf(json, line, lineNo), bos)));
            }
        } else {
            String input = text != null ? text : stripOneNewline(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
            out.println(Arrays.stream(t.encode(input, bos)).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        out.flush();
        return 0;
    }

    private static String textOf(ObjectMapper json, String line, int lineNo) {
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (IOException e) {
            throw new UserInputException("stdin line " + lineNo + ": not valid JSON: " + ScalpelCommand.oneLine(e.getMessage()));
        }
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("text").isTextual()) return n.get("text").asText();
        throw new UserInputException("stdin line " + lineNo + ": expected a JSON string or an object with a \"text\" string");
    }

    /** One trailing "\n" (or "\r\n") removed: the newline echo adds is not part of the text. */
    static String stripOneNewline(String s) {
        if (s.endsWith("\r\n")) return s.substring(0, s.length() - 2);
        if (s.endsWith("\n")) return s.substring(0, s.length() - 1);
        return s;
    }
}
