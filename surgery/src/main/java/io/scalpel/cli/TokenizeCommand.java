package io.scalpel.cli;

import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Prints token ids, space separated. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text (space separated).")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "tokenizer.json, .gguf, tokenizer.bin or a model directory.") Path tokenizer;
    @Option(names = "--text", description = "Text to tokenize (default: read stdin).") String text;
    @Option(names = "--no-bos", description = "Do not prepend BOS.") boolean noBos;
    @Option(names = "--verbose", description = "Print stack traces on errors.") boolean verbose;

    @Override public Integer call() throws IOException {
        Tokenizer t = TokenizerLoader.load(tokenizer);
        String input = text != null ? text : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(Arrays.stream(t.encode(input, !noBos)).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        return 0;
    }
}
