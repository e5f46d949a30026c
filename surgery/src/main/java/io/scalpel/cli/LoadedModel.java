package io.scalpel.cli;

import io.scalpel.backend.Backend;
import io.scalpel.backend.BackendChoice;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.backend.cuda.MemoryFit;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.io.ModelFormat;
import io.scalpel.model.Transformer;

import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.lora.LoraAdapter;
import io.scalpel.surgery.lora.LoraApplier;
import io.scalpel.surgery.lora.LoraFiles;
import io.scalpel.surgery.patch.ModelIdentity;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;

import java.io.PrintStream;
import java.nio.file.Path;

/** A checkpoint opened, its backend chosen, its weights resident and any {@code --patch} applied: what every model command starts from. */
public record LoadedModel(Checkpoint checkpoint, Backend backend, Transformer transformer, Surgeon surgeon) implements AutoCloseable {

    public static LoadedModel open(ModelOptions o, PrintStream log) {
        o.validate();
        java.util.List<Patch> patches = o.readPatches();
        PrintStream always = log;
        // Which device and how much memory are noise on every call; --verbose shows them.
        if (!o.verbose) log = new PrintStream(java.io.OutputStream.nullOutputStream());
        Checkpoint ck = Checkpoint.open(o.model);
        // A file whose name says another format is worth one line, --verbose or not.
        if (ModelFormat.nameMisleads(o.model, ck.format())) {
            always.println("scalpel: " + o.model.getFileName() + " is a " + ck.format().description() + " (recognised by its content, not its name)");
        }
        Backend backend = null;
        Transformer transformer = null;
        try {
            backend = chooseBackend(o, ck, log);
            log.println("scalpel: " + o.model.getFileName() + " (" + ck.format().description() + ") on " + backend.name());
            transformer = new Transformer(ck.config(), ck.weights(), backend);
            LoadedModel m = new LoadedModel(ck, backend, transformer, new Surgeon(transformer));
            if (!patches.isEmpty()) {
                ModelIdentity identity = SurgeryPipeline.identity(ck);
                for (int i = 0; i < patches.size(); i++) {
                    Path p = o.patches.get(i);
                    Patch patch = patches.get(i);
                    try {
                        patch.identity().checkCompatible(identity);
                    } catch (RuntimeException e) {
                        throw new UserInputException(p + ": " + ScalpelCommand.oneLine(e.getMessage()));
                    }
                    m.surgeon().apply(patch.rows(), patch.direction(), patch.alpha());
                    System.err.printf("scalpel: applied patch %s (%d rows, alpha %s)%n", p, patch.size(), patch.alpha());
                }
            }
            for (Path p : o.loras) {
                LoraAdapter lora = LoraFiles.read(p, ck.config());
                lora.checkFits(ck.config(), p);
                LoraApplier.Applied applied = LoraApplier.apply(transformer, lora);
                log.printf("scalpel: applied LoRA %s (r %d, scale %s, %d projections, %d rows)%n", p, lora.rank(), lora.scale(),
                        lora.updates().size(), applied.rows());
            }
            return m;
        } catch (RuntimeException e) {
            // A patch that fails to read, match or apply must not strand the resident weights.
            if (transformer != null) transformer.close();
            if (backend != null) backend.close();
            ck.close();
            throw e;
        }
    }

    private static Backend chooseBackend(ModelOptions o, Checkpoint ck, PrintStream log) {
        BackendChoice.DeviceRequest request = BackendChoice.DeviceRequest.parse(o.device); // checked by ModelOptions.validate
        BackendChoice.Opened opened;
        try {
            opened = BackendChoice.open(request, CudaOptions.defaults(), () -> o.threads == null ? new CpuBackend() : new CpuBackend(o.threads));
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new UserInputException(ScalpelCommand.oneLine(e.getMessage()));
        }
        log.println("scalpel: " + opened.report());
        Backend backend = opened.backend();
        if (backend instanceof CudaBackend cuda) {
            MemoryFit fit = cuda.memoryFit(residentBytes(ck));
            log.println("scalpel: " + fit.message());
            if (!fit.fits()) {
                backend.close();
                throw new UserInputException(o.model + ": " + fit.message());
            }
        }
        return backend;
    }

    /** Bytes the weights take once resident in their stored dtypes. */
    static long residentBytes(Checkpoint ck) {
        var w = ck.weights();
        long bytes = w.embedding().data().byteSize() + w.finalNorm().data().byteSize();
        if (w.output() != w.embedding()) bytes += w.output().data().byteSize();
        for (var l : w.layers()) {
            for (var t : new io.scalpel.tensor.Tensor[]{l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.bq(), l.bk(), l.bv(),
                    l.ffnNorm(), l.gate(), l.up(), l.down()}) {
                if (t != null) bytes += t.data().byteSize();
            }
        }
        return bytes;
    }

    @Override public void close() {
        transformer.close();
        backend.close();
        checkpoint.close();
    }
}
