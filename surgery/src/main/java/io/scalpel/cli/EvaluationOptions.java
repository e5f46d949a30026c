package io.scalpel.cli;

import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.evaluate.LexiconScorer;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How an edit is measured: prompts, behaviour scorers besides the probes, perplexity text and the KL protocol. */
public final class EvaluationOptions {
    static final int DEFAULT_KL_TOKENS = 16;

    @Option(names = "--prompts", description = "Evaluation prompts, one per line (default: the project's built-in prompts).") Path prompts;
    @Option(names = "--max-prompts", defaultValue = "40", description = "Evaluation prompts at most. Default ${DEFAULT-VALUE}.") int maxPrompts = 40;
    @Option(names = "--lexicon", description = "Keyword file: share of continuations containing one is reported.") Path lexicon;
    @Option(names = "--perplexity-text", description = "Plain text for perplexity before/after (default: none).") Path perplexityText;
    @Option(names = "--kl-prompts", description = "Harmless prompts, one per line, for KL(base ‖ edited) (default: the evaluation prompts).") Path klPrompts;
    @Option(names = "--kl-tokens", defaultValue = "" + DEFAULT_KL_TOKENS,
            description = "KL(base ‖ edited) is the mean over KL prompts, and over the first N positions of the base model's greedy continuation (teacher-forced), of the next-token KL in nats. Default ${DEFAULT-VALUE}.")
    int klTokens = DEFAULT_KL_TOKENS;

    /** Option checks that need no model; run before anything is loaded. */
    void check() {
        if (maxPrompts < 1) throw new UserInputException("--max-prompts must be at least 1, got " + maxPrompts);
        if (klTokens < 1) throw new UserInputException("--kl-tokens must be at least 1, got " + klTokens);
        for (Path p : new Path[]{prompts, lexicon, perplexityText, klPrompts}) {
            if (p != null && !java.nio.file.Files.isRegularFile(p)) throw new UserInputException(p + ": no such file");
        }
    }

    List<String> promptList() { return SurgeryDataOptions.prompts(prompts, maxPrompts); }

    List<String> klPromptList() { return klPrompts == null ? promptList() : SurgeryDataOptions.prompts(klPrompts, maxPrompts); }

    /** The scorers these options add besides the probes, in report order. */
    Map<String, ContinuationScorer> scorers() {
        Map<String, ContinuationScorer> s = new LinkedHashMap<>();
        if (lexicon != null) s.put("lexicon hit", LexiconScorer.read(lexicon));
        return s;
    }

    int[] perplexityTokens(Tokenizer tok) {
        return perplexityText == null ? null : tok.encode(SurgeryCommand.readText(perplexityText), false);
    }
}
