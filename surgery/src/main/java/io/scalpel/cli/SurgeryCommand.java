package io.scalpel.cli;

import io.scalpel.surgery.data.LabelledText;
import io.scalpel.surgery.evaluate.ContinuationScorer;
import io.scalpel.surgery.pipeline.SurgeryOutputs;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.report.SurgeryReport;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The main job: probe, select, edit and evaluate in one command; writes the patch and the report. */
@Command(name = "surgery", mixinStandardHelpOptions = true,
        description = "Model Surgery end to end: train a behaviour probe, select and edit gate rows, evaluate against random controls; writes DIR/patch.safetensors and DIR/report.md.")
public final class SurgeryCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin SurgeryDataOptions data;
    @Mixin EditOptions edit;
    @Mixin SurgeryOptions surgery;
    @Mixin EvaluationOptions evaluation;
    @Mixin ChatOptions chat;
    @Option(names = "--behaviour", defaultValue = "avoid-vs-keep", description = "Name of the behaviour, for the report.") String behaviour;
    @Option(names = "--out", required = true, description = "Output directory (must not exist).") Path out;

    @Override public Integer call() {
        return run(model, data, edit, surgery, evaluation, chat, behaviour, out, data.maxPerClass);
    }

    static int run(ModelOptions model, SurgeryDataOptions data, EditOptions edit, SurgeryOptions surgery, EvaluationOptions evaluation,
                   ChatOptions chat, String behaviour, Path out, int maxPerClass) {
        SurgeryOutputs.checkFresh(out);
        evaluation.check();
        chat.check();
        SurgeryPipeline.Options options = surgery.toOptions(System.console() != null, edit).withEvaluation(maxPerClass, evaluation.klTokens, evaluation.primaryScore);
        List<LabelledText> texts = data.read();
        List<String> promptList = evaluation.promptList(), klPrompts = evaluation.klPromptList();
        Map<String, ContinuationScorer> extra = evaluation.scorers();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            edit.checkAgainst(m.transformer().config());
            Tokenizer tok = Tokenizers.checked(Tokenizers.forModel(model), m.transformer().config().vocabSize(), model.model);
            int[] ppl = evaluation.perplexityTokens(tok);
            SurgeryPipeline.Result r = new SurgeryPipeline(m.checkpoint(), m.transformer(), tok, System.err, chat.encoder(model, tok))
                    .run(behaviour, texts, promptList, klPrompts, extra, ppl, options);
            SurgeryReport.Written w = SurgeryOutputs.write(out, r, data.overridden);
            for (String warning : w.warnings()) System.out.println("warning: " + warning);
            System.out.println(w.verdict().sentence());
            System.out.println("wrote " + out.resolve(SurgeryOutputs.PATCH) + ", " + w.markdown() + ", " + w.plot());
        }
        return 0;
    }

    static String readText(Path p) {
        try {
            String s = Files.readString(p);
            if (s.isBlank()) throw new UserInputException(p + ": the file is empty");
            return s.length() > 200_000 ? s.substring(0, 200_000) : s;
        } catch (IOException e) {
            throw new UserInputException(p + ": cannot read: " + e.getMessage());
        }
    }
}
