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
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt (streamed to stdout).")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin ChatOptions chat;
    @Option(names = "--prompt", required = true, description = "Prompt text (BOS prepended; with --chat, wrapped in the chat template).") String prompt;
    @Option(names = "--max-tokens", defaultValue = "256", description = "New tokens at most (default ${DEFAULT-VALUE}).") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE}).") float temperature;
    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling threshold (default ${DEFAULT-VALUE} = off).") float topP;
    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (default ${DEFAULT-VALUE} = off).") int topK;
    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default ${DEFAULT-VALUE}).") long seed;

    @Override public Integer call() {
        if (maxTokens < 1) throw new UserInputException("--max-tokens must be at least 1");
        chat.check();
        SamplingSettings settings = new SamplingSettings(temperature, topK, topP, seed);
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(), model.model);
            int[] ids = chat.encoder(model, tok).encode(prompt);
            int capacity = Math.min(m.transformer().config().contextLength(), ids.length + maxTokens);
            if (ids.length >= capacity) throw new UserInputException("prompt of " + ids.length + " tokens does not fit the context of " + m.transformer().config().contextLength());
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            Tokenizer.Decoder decoder = tok.newDecoder();
            for (int id : ids) out.print(decoder.push(id));
            Generator.Result r;
            try (Session s = m.transformer().newSession(capacity)) {
                r = Generator.generate(s, ids, maxTokens, settings, tok.eosId(), id -> out.print(decoder.push(id)));
            }
            out.println(decoder.finish());
            System.err.printf("scalpel: prompt %d tokens at %.1f tok/s, generated %d tokens at %.1f tok/s (%s)%n",
                    r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(), r.stop());
        }
        return 0;
    }
}
