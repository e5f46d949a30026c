package io.scalpel.cli;

import io.scalpel.model.Session;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Logits of every position as float32 little-endian [T, V], no header — the golden fixtures' format. */
@Command(name = "logits", mixinStandardHelpOptions = true, description = "Write the logits of every position (float32 LE [T,V]).")
public final class LogitsCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin TokenSource input;
    @Option(names = "--out", required = true, description = "Output file (must not exist).") Path out;

    @Override public Integer call() {
        FloatFiles.requireAbsent(out);
        input.checkGiven();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            int[] ids = input.resolve(m, model);
            try (Session s = m.transformer().newSession(ids.length)) {
                float[] logits = s.forwardAllLogits(ids, null);
                FloatFiles.writeAtomically(out, logits);
            }
            System.err.println("scalpel: wrote " + out + " [" + ids.length + ", " + m.transformer().config().vocabSize() + "]");
        }
        return 0;
    }
}
