package io.scalpel.cli;

import io.scalpel.backend.Backend;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;

import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.patch.ModelIdentity;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;

import java.io.PrintStream;
import java.nio.file.Path;

/** A checkpoint opened, its backend chosen, its weights resident and any {@code --patch} applied: what every model command starts from. */
public record LoadedModel(Checkpoint checkpoint, Backend backend, Transformer transformer, Surgeon surgeon) implements AutoCloseable {

    public static LoadedModel open(ModelOptions o, PrintStream log) {
        Checkpoint ck = Checkpoint.open(o.model);
        Backend backend = null;
        try {
            backend = chooseBackend(o);
            log.println("scalpel: " + o.model.getFileName() + " on " + backend.name());
            Transformer transformer = new Transformer(ck.config(), ck.weights(), backend);
            LoadedModel m = new LoadedModel(ck, backend, transformer, new Surgeon(transformer));
            if (!o.patches.isEmpty()) {
                ModelIdentity identity = SurgeryPipeline.identity(ck);
                for (Path p : o.patches) {
                    Patch patch = PatchFile.read(p);
                    try {
                        patch.identity().checkCompatible(identity);
                    } catch (RuntimeException e) {
                        throw new UserInputException(p + ": " + ScalpelCommand.oneLine(e.getMessage()));
                    }
                    m.surgeon().apply(patch.rows(), patch.direction(), patch.alpha());
                    log.printf("scalpel: applied patch %s (%d rows, alpha %s)%n", p, patch.size(), patch.alpha());
                }
            }
            return m;
        } catch (RuntimeException e) {
            if (backend != null) backend.close();
            ck.close();
            throw e;
        }
    }

    private static Backend chooseBackend(ModelOptions o) {
        return switch (o.device) {
            case "auto", "cpu" -> o.threads == null ? new CpuBackend() : new CpuBackend(o.threads);
            case "cuda" -> throw new UserInputException("--device cuda: the CUDA backend is not available in this build");
            default -> throw new UserInputException("--device must be auto, cpu or cuda, got \"" + o.device + "\"");
        };
    }

    @Override public void close() {
        transformer.close();
        backend.close();
        checkpoint.close();
    }
}
