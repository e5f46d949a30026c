package io.scalpel.cli;

import io.scalpel.model.Session;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** Streams a continuation of a prompt; prints prompt and generation speed to stderr at the end. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt (streamed to stdout).",
        footer = {"", "Example:", "  scalpel generate --model ../shared/models/stories260K/stories260K.gguf --prompt \"Once upon a time\" --max-tokens 64"})
public final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin TokenSource input;
    @Mixin ChatOptions chat;
    @Option(names = "--max-tokens", defaultValue = "256", description = "New tokens at most (default ${DEFAULT-VALUE}).") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "Sampling temperature, ≥ 0; 0 = greedy (default ${DEFAULT-VALUE}).") float temperature;
    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling threshold (default ${DEFAULT-VALUE} = off).") float topP;
    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (default ${DEFAULT-VALUE} = off).") int topK;
    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default ${DEFAULT-VALUE}).") long seed;

    /** stdout went away (a closed pipe, e.g. {@code | head}): stop generating, quietly. */
    private static final class OutputClosed extends RuntimeException {
        OutputClosed() { super(null, null, false, false); }
    }

    @Override public Integer call() {
        if (maxTokens < 1) throw new UserInputException("--max-tokens must be at least 1");
        input.checkGiven();
        chat.check();
        if (chat.chat && input.prompt == null) throw new UserInputException("--chat wraps a --prompt; it cannot wrap --tokens");
        SamplingSettings settings;
        try {
            settings = new SamplingSettings(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--" + e.getMessage()); // "--top-p must be in (0, 1], got 2.0"
        }
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            // --tokens needs no tokenizer to run, but the continuation has to be spelt: one is required either way.
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(),
                    model.tokenizer != null ? model.tokenizer : model.model);
            int[] ids = chat.chat ? chat.encoder(model, tok).encode(input.prompt) : input.resolve(m, model);
            int capacity = Math.min(m.transformer().config().contextLength(), ids.length + maxTokens);
            if (ids.length >= capacity) throw new UserInputException("prompt of " + ids.length + " tokens does not fit the context of " + m.transformer().config().contextLength());
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            Tokenizer.Decoder decoder = tok.newDecoder();
            for (int id : ids) out.print(id < tok.vocabSize() ? decoder.push(id) : "");
            Generator.Result r;
            try (Session s = m.transformer().newSession(capacity)) {
                // Only ids the tokenizer can spell are candidates (a smaller tokenizer than the embedding is padding).
                r = Generator.generate(s, ids, maxTokens, settings, tok.eosId(), tok.vocabSize(), id -> {
                    out.print(decoder.push(id));
                    if (out.checkError() || System.out.checkError()) throw new OutputClosed();
                });
            } catch (OutputClosed closed) {
                return 0;
            }
            out.println(decoder.finish());
            System.err.printf("scalpel: prompt %d tokens at %.1f tok/s, generated %d tokens at %.1f tok/s (%s)%n",
                    r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(), r.stop());
        }
        return 0;
    }
}
