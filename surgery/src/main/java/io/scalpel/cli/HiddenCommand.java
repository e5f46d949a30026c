package io.scalpel.cli;

import io.scalpel.model.HiddenStateListener;
import io.scalpel.model.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Hidden states [L+1, T, D] as float32 LE: index 0 embeddings, i after layer i, L after the final norm. */
@Command(name = "hidden", mixinStandardHelpOptions = true, description = "Write hidden states [L+1,T,D] (float32 LE), HF numbering.",
        footer = {"", "Example:", "  scalpel hidden --model ../shared/models/stories260K/stories260K.gguf --prompt \"Once upon a time\" --out hidden.bin"})
public final class HiddenCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin TokenSource input;
    @Option(names = "--out", required = true, description = "Output file (must not exist).") Path out;

    @Override public Integer call() {
        FloatFiles.requireAbsent(out);
        input.checkGiven();
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            int[] ids = input.resolve(m, model);
            var c = m.transformer().config();
            int T = ids.length, D = c.dim();
            float[] all = new float[(c.layers() + 1) * T * D];
            try (Session s = m.transformer().newSession(T)) {
                s.forwardHiddenStates(ids, new HiddenStateListener() {
                    @Override public boolean wants(int index) { return true; }
                    @Override public void accept(int index, int position, float[] rows, int rowCount, int dim) {
                        System.arraycopy(rows, 0, all, (index * T + position) * D, rowCount * dim);
                    }
                });
            }
            FloatFiles.writeAtomically(out, all);
            System.err.println("scalpel: wrote " + out + " [" + (c.layers() + 1) + ", " + T + ", " + D + "]");
        }
        return 0;
    }
}
