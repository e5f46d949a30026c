package io.scalpel.cli;

import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Steps 3–4: rank gate rows by −cos(w, v) across all layers, keep the top K, and write the edit as a
 * patch (direction, α, rows, base identity). {@code edit} is the same command under the name the
 * paper's step has.
 */
@Command(name = "select", aliases = "edit", mixinStandardHelpOptions = true,
        description = "Select the top-K gate rows for a probe's direction and write the edit as a patch (--out patch.safetensors); 'edit' is an alias.",
        footer = {"", "Example:", "  scalpel select --model ../shared/models/stories260K/stories260K.bin --probe probe.safetensors --alpha 1.08 --out patch.safetensors"})
public final class SelectCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--probe", required = true, description = "Probe file from 'scalpel probe'.") Path probe;
    @Option(names = "--alpha", defaultValue = "1.08", description = "Edit strength α. Default ${DEFAULT-VALUE}.") float alpha;
    @Option(names = "--top-k", description = "Rows to edit (default: the paper's share of all gate rows).") Integer topK;
    @Option(names = "--out", required = true, description = "Patch file to write (must not exist).") Path out;

    @Override public Integer call() {
        if (!Float.isFinite(alpha)) throw new UserInputException("--alpha must be a finite number, got " + alpha);
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new file (nothing was written)");
        Probe p = Probe.load(probe);
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            if (p.dimension() != m.transformer().config().dim()) {
                throw new UserInputException(probe + ": probe has dimension " + p.dimension() + ", the model's hidden size is " + m.transformer().config().dim());
            }
            long t0 = System.nanoTime();
            var cos = Arrays.asList(GateCosines.compute(m.transformer(), p.direction()));
            Selection s;
            try {
                s = topK == null ? GateRowSelector.selectDefault(cos) : GateRowSelector.select(cos, topK);
            } catch (IllegalArgumentException e) {
                throw new UserInputException(ScalpelCommand.oneLine(e.getMessage()));
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf("selected %d of %d gate rows in %.1f ms on %s; rows per layer %s; cos range [%.4f, %.4f]%n",
                    s.size(), s.totalRows(), ms, m.backend().name(), Arrays.toString(s.perLayerCount()),
                    s.cosines()[0], s.cosines()[s.size() - 1]);
            PatchFile.write(out, new Patch(p.direction(), alpha, s.rows(), p.layer(), SurgeryPipeline.identity(m.checkpoint())));
            System.out.println("wrote " + out);
        }
        return 0;
    }
}
