package io.scalpel.cli;

import io.scalpel.model.ModelConfig;
import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.pipeline.SurgeryOutputs;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.search.PickRule;
import io.scalpel.surgery.search.SearchGrid;
import io.scalpel.surgery.search.SearchOutputs;
import io.scalpel.surgery.search.SurgerySearch;
import io.scalpel.surgery.report.ReportWarnings;
import io.scalpel.surgery.report.SurgeryReport;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** α × K × layer search: one activation pass and one probe, then apply → evaluate → revert per candidate. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Search α × K × layer: each candidate is applied, evaluated (behaviour scores, KL to the base, perplexity, changed tokens, "
                + "random controls at the same α and K) and reverted exactly. Writes DIR/search.csv, DIR/pareto.png, DIR/search.md and the "
                + "patch of the candidate --pick chooses.")
public final class SearchCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SurgeryDataOptions data;
    @Mixin SurgeryOptions surgery;
    @Mixin EvaluationOptions evaluation;
    @Mixin ChatOptions chat;
    @Option(names = "--alpha", defaultValue = "1.08", description = "α values: a list and/or start:stop:step ranges, e.g. 0.5,1,1.5 or 0.5:2:0.5. Default ${DEFAULT-VALUE}.")
    String alphas;
    @Option(names = "--top-k", description = "K values, as --alpha, e.g. 4096,16384 (default: the paper's share of all gate rows).")
    String topKs;
    @Option(names = "--layer", defaultValue = "-1", description = "Probe layers the edit direction is taken from, as --alpha (-1 = L, after the final norm). Default ${DEFAULT-VALUE}.")
    String layers;
    @Option(names = "--pick", defaultValue = "lowest-score",
            description = "Which candidate's patch to write: lowest-score = the lowest behaviour score with KL <= --max-kl (else the lowest KL); "
                    + "lowest-kl = the lowest KL among candidates that beat their random controls (else as lowest-score). Default ${DEFAULT-VALUE}.")
    String pick;
    @Option(names = "--max-kl", defaultValue = "0.1", description = "KL bound (nats) of --pick lowest-score. Default ${DEFAULT-VALUE}.") double maxKl;
    @Option(names = "--behaviour", defaultValue = "avoid-vs-keep", description = "Name of the behaviour, for the report.") String behaviour;
    @Option(names = "--out", required = true, description = "Output directory (must not exist).") Path out;

    @Override public Integer call() {
        SurgeryOutputs.checkFresh(out);
        evaluation.check();
        chat.check();
        List<Float> alphaList;
        List<Integer> kList, layerList;
        PickRule rule;
        try {
            alphaList = SearchGrid.parseFloats("--alpha", alphas);
            kList = topKs == null ? null : SearchGrid.parseInts("--top-k", topKs);
            layerList = SearchGrid.parseInts("--layer", layers);
            rule = PickRule.fromId(pick);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        if (!(maxKl >= 0) || Double.isInfinite(maxKl)) throw new UserInputException("--max-kl must be a finite number >= 0, got " + maxKl);
        if (kList != null) for (int k : kList) if (k < 1) throw new UserInputException("--top-k: every K must be at least 1, got " + k);
        for (int l : layerList) if (l < -1) throw new UserInputException("--layer: -1 or a hidden-state index >= 0, got " + l);
        SurgeryPipeline.Options options = surgery.toOptions(System.console() != null, -1, null, 1f)
                .withEvaluation(data.maxPerClass, evaluation.klTokens, evaluation.primaryScore);
        List<LabelledText> texts = data.read();
        List<String> promptList = evaluation.promptList(), klPrompts = evaluation.klPromptList();
        Map<String, ContinuationScorer> extra = evaluation.scorers();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            ModelConfig c = m.transformer().config();
            long rows = (long) c.layers() * c.hiddenDim();
            List<Integer> ks = kList != null ? kList : List.of(GateRowSelector.defaultK(rows));
            for (int k : ks) {
                if (k > rows) throw new UserInputException("--top-k " + k + " exceeds the model's " + rows + " gate rows (" + c.layers() + " layers × " + c.hiddenDim() + ")");
            }
            List<Integer> resolved = layerList.stream().map(l -> l < 0 ? c.layers() : l).distinct().toList();
            for (int l : resolved) if (l > c.layers()) throw new UserInputException("--layer " + l + " is outside [0, " + c.layers() + "] for this model");
            SearchGrid grid = new SearchGrid(alphaList, ks, resolved);
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), c.vocabSize(), model.model);
            int[] ppl = evaluation.perplexityTokens(tok);
            System.err.printf("scalpel: searching %d candidates (%d α × %d K × %d layers), each with %d random controls%n", grid.size(),
                    alphaList.size(), ks.size(), resolved.size(), options.randomControls());
            SurgeryPipeline pipeline = new SurgeryPipeline(m.checkpoint(), m.transformer(), tok, System.err, chat.encoder(model, tok));
            SurgerySearch.Result r = new SurgerySearch(m.checkpoint(), m.transformer(), pipeline, System.err)
                    .run(behaviour, texts, promptList, klPrompts, extra, ppl, options, new SurgerySearch.Settings(grid, rule, maxKl));
            var chosenResult = r.chosen();
            List<String> warnings = ReportWarnings.of(chosenResult.evaluation(), data.overridden);
            long broken = r.candidates().stream().filter(o -> ReportWarnings.fluency(o.evaluation().base(), o.edit()) != null).count();
            String verdict = SurgeryReport.verdictSection(chosenResult.verdict(), warnings).replace("## Verdict", "## Verdict on the picked candidate")
                    + String.format(java.util.Locale.ROOT, "Fluency broke (perplexity > %.1f× the base's or KL > %.1f nats) for %d of %d candidates' edits.%n%n",
                    ReportWarnings.PERPLEXITY_RATIO, ReportWarnings.KL_NATS, broken, r.candidates().size());
            SearchOutputs.write(out, r, behaviour + " on " + model.model.getFileName(), verdict);
            for (String w : warnings) System.out.println("warning: " + w);
            var chosen = r.chosen();
            System.out.printf(java.util.Locale.ROOT, "picked α = %s, K = %d, layer %d: score %.4f, KL %.4g (%s)%n", chosen.candidate().alpha(),
                    chosen.candidate().topK(), chosen.candidate().layer(), chosen.edit().mean(), chosen.edit().klToBase(), r.choice().reason());
            System.out.println("wrote " + out.resolve(SearchOutputs.CSV) + ", " + out.resolve(SearchOutputs.PLOT) + ", "
                    + out.resolve(SearchOutputs.PATCH) + ", " + out.resolve(SearchOutputs.MARKDOWN));
        }
        return 0;
    }
}
