package io.scalpel.cli;

import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.evaluate.JudgeScorer;
import io.scalpel.surgery.evaluate.LexiconScorer;
import io.scalpel.surgery.evaluate.RefusalScorer;
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
    @Option(names = "--refusal", description = "Score refusal: a continuation that starts with a refusal prefix (\"I'm sorry\", \"I cannot\", … the GCG list, as the paper) scores 1.")
    boolean refusal;
    @Option(names = "--refusal-prefixes", description = "Own refusal prefixes, one per line (implies --refusal).") Path refusalPrefixes;
    @Option(names = "--judge", description = "External scorer: a shell command reading JSONL {\"index\",\"prompt\",\"continuation\"} on stdin and writing one score per line (higher = more of the behaviour to avoid).")
    String judge;
    @Option(names = "--judge-timeout", defaultValue = "600", description = "Seconds the judge may take per condition. Default ${DEFAULT-VALUE}.") long judgeTimeout = 600;
    @Option(names = "--primary-score", description = "The score the verdict, plots and --pick use: probe (default), second probe, lexicon, refusal or judge.")
    String primaryScore;

    /** Option checks that need no model; run before anything is loaded. */
    void check() {
        if (maxPrompts < 1) throw new UserInputException("--max-prompts must be at least 1, got " + maxPrompts);
        if (klTokens < 1) throw new UserInputException("--kl-tokens must be at least 1, got " + klTokens);
        if (judgeTimeout < 1) throw new UserInputException("--judge-timeout must be at least 1 second, got " + judgeTimeout);
        if (judge != null && judge.isBlank()) throw new UserInputException("--judge: the command is empty");
        if (primaryScore != null && !List.of("probe", "second probe", "lexicon", "refusal", "judge").contains(primaryScore)) {
            throw new UserInputException("--primary-score must be probe, second probe, lexicon, refusal or judge, got \"" + primaryScore + "\"");
        }
        if ("lexicon".equals(primaryScore) && lexicon == null || "refusal".equals(primaryScore) && !refusal && refusalPrefixes == null
                || "judge".equals(primaryScore) && judge == null) {
            throw new UserInputException("--primary-score " + primaryScore + " needs --" + ("refusal".equals(primaryScore) ? "refusal" : primaryScore));
        }
        for (Path p : new Path[]{prompts, lexicon, perplexityText, klPrompts, refusalPrefixes}) {
            if (p != null && !java.nio.file.Files.isRegularFile(p)) throw new UserInputException(p + ": no such file");
        }
    }

    List<String> promptList() { return SurgeryDataOptions.prompts(prompts, maxPrompts); }

    List<String> klPromptList() { return klPrompts == null ? promptList() : SurgeryDataOptions.prompts(klPrompts, maxPrompts); }

    /** The scorers these options add besides the probes, in report order. */
    Map<String, ContinuationScorer> scorers() {
        Map<String, ContinuationScorer> s = new LinkedHashMap<>();
        if (lexicon != null) s.put("lexicon hit", LexiconScorer.read(lexicon));
        if (refusalPrefixes != null) s.put("refusal (prefix)", RefusalScorer.read(refusalPrefixes));
        else if (refusal) s.put("refusal (prefix)", RefusalScorer.defaults());
        if (judge != null) s.put("judge", new JudgeScorer(judge, judgeTimeout));
        return s;
    }

    int[] perplexityTokens(Tokenizer tok) {
        return perplexityText == null ? null : tok.encode(SurgeryCommand.readText(perplexityText), false);
    }
}
