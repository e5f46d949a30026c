package io.scalpel.cli;

import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.util.Arrays;

/** Either explicit token ids ({@code --tokens 1,2,3}) or a prompt to tokenize ({@code --prompt}). */
public final class TokenSource {
    @Option(names = "--tokens", split = ",", description = "Token ids, comma separated (no tokenizer needed).")
    int[] tokens;

    @Option(names = "--prompt", description = "Text to tokenize (BOS prepended when the vocabulary has one).")
    String prompt;

    /** Fails before anything is loaded unless exactly one of the two was given. */
    void checkGiven() {
        if ((tokens == null) == (prompt == null)) throw new UserInputException("give exactly one of --tokens or --prompt");
        if (tokens != null && tokens.length == 0) throw new UserInputException("--tokens is empty");
    }

    int[] resolve(LoadedModel m, ModelOptions o) {
        checkGiven();
        if (tokens != null) {
            int vocab = m.transformer().config().vocabSize();
            for (int t : tokens) {
                if (t < 0 || t >= vocab) throw new UserInputException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
            if (tokens.length == 0) throw new UserInputException("--tokens is empty");
            return tokens;
        }
        Tokenizer t = Tokenizers.checked(Tokenizers.forModel(o), m.transformer().config().vocabSize(), o.tokenizer != null ? o.tokenizer : o.model);
        return Tokenizers.encodeWithBos(t, prompt);
    }

    @Override public String toString() { return tokens != null ? Arrays.toString(tokens) : prompt; }
}
