package io.scalpel.cli;

import io.scalpel.io.Checkpoint;
import io.scalpel.surgery.export.HuggingFaceExporter;
import io.scalpel.surgery.patch.AppliedPatchCheck;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * Undoes a patch in an edited model by copying the patched rows' original bits back from the base
 * model — never by subtracting α·v — and writes the result as a new directory.
 */
@Command(name = "revert", mixinStandardHelpOptions = true,
        description = "Restore a patch's rows in an edited model (--model) from the base model (--base), bit-exactly; writes a new directory.")
public final class RevertCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--base", required = true, description = "The unedited model the patch was made for.") Path base;
    @Option(names = "--revert", required = true, description = "The patch to undo.") Path patchFile;
    @Option(names = "--out", required = true, description = "Output directory (must not exist).") Path out;

    @Override public Integer call() {
        io.scalpel.io.StagedDirectory.requireAbsent(out);
        model.validate();
        Patch patch = PatchFile.read(patchFile);
        try (Checkpoint baseCk = Checkpoint.open(base)) {
            try {
                patch.identity().checkCompatible(SurgeryPipeline.identity(baseCk));
            } catch (RuntimeException e) {
                throw new UserInputException(patchFile + ": " + ScalpelCommand.oneLine(e.getMessage()));
            }
            try (Checkpoint edited = Checkpoint.open(model.model)) {
                var editedGates = edited.weights().layers().stream().map(io.scalpel.model.LayerWeights::gate).toList();
                var baseGates = baseCk.weights().layers().stream().map(io.scalpel.model.LayerWeights::gate).toList();
                if (!patch.identity().differences(SurgeryPipeline.identity(edited)).stream().allMatch(d -> d.startsWith("gate_proj SHA-256"))) {
                    throw new UserInputException(model.model + ": not the same architecture, shapes or gate dtype as the base model "
                            + String.join("; ", patch.identity().differences(SurgeryPipeline.identity(edited))));
                }
                try {
                    AppliedPatchCheck.requireApplied(patch, baseGates, editedGates, model.model);
                } catch (io.scalpel.surgery.patch.PatchMismatchException e) {
                    throw new UserInputException(patchFile + ": " + e.getMessage());
                }
            }
            try (LoadedModel m = LoadedModel.open(model, System.err)) {
                var gates = m.transformer().gateWeights();
                if (gates.size() != baseCk.config().layers()) {
                    throw new UserInputException(model.model + ": has " + gates.size() + " layers, the base model " + baseCk.config().layers());
                }
                for (int l = 0; l < gates.size(); l++) {
                    final int layer = l;
                    int[] rows = IntStream.range(0, patch.size()).filter(k -> patch.layerOf(k) == layer).map(patch::rowOf).toArray();
                    if (rows.length == 0) continue;
                    var baseGate = baseCk.weights().layers().get(l).gate();
                    if (baseGate.dtype() != gates.get(l).dtype() || baseGate.rows() != gates.get(l).rows() || baseGate.cols() != gates.get(l).cols()) {
                        throw new UserInputException(model.model + ": layer " + l + " gate_proj differs in dtype or shape from the base model's");
                    }
                    long rowBytes = baseGate.dtype().rowBytes(baseGate.cols());
                    byte[] bits = new byte[Math.toIntExact(rowBytes * rows.length)];
                    for (int i = 0; i < rows.length; i++) {
                        java.lang.foreign.MemorySegment.copy(baseGate.data(), rows[i] * rowBytes,
                                java.lang.foreign.MemorySegment.ofArray(bits), i * rowBytes, rowBytes);
                    }
                    m.backend().writeRows(gates.get(l), rows, bits);
                }
                HuggingFaceExporter.export(m.checkpoint(), m.transformer(), out);
                System.out.println("restored " + patch.size() + " rows from " + base + "; wrote " + out);
            }
        }
        return 0;
    }
}
