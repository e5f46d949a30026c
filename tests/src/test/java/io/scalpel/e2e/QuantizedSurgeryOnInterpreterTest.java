package io.scalpel.e2e;

import io.scalpel.backend.Backend;
import io.scalpel.backend.BackendChoice;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import io.scalpel.synth.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The surgery's steps on a Q4_K_M GGUF with the CUDA backend on the PTX interpreter ({@code BackendChoice} "emu"),
 * against the same steps on the CPU: the gate cosines agree within 1e-5 and select the same rows, the edit stores
 * the same re-quantized blocks bit for bit (and reports the same rounding cost), and revert restores both the
 * stored blocks and the device forward pass's logits bit for bit.
 */
class QuantizedSurgeryOnInterpreterTest {
    private static final String SHAPE = "dim=256,hidden=256,layers=1,heads=4,kv=2,vocab=300,seq=32,tied=false";
    private static final int[] PROMPT = {1, 5, 77, 200};

    @TempDir Path dir;

    private record Outcome(float[][] cosines, int[][] rows, byte[] editedGate, double storageError) {}

    @Test
    void cosinesSelectionEditAndRevertMatchTheCpu() throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse(SHAPE, "q4_k_m", "gguf", 4);
        Path file = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()), 2);
        float[] v = new float[256];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * 0.05f;

        Outcome cpu, emu;
        try (CpuBackend backend = new CpuBackend(2)) {
            cpu = run(file, backend, v);
        }
        try (BackendChoice.Opened opened = BackendChoice.open(BackendChoice.DeviceRequest.parse("emu"), CudaOptions.defaults())) {
            emu = run(file, opened.backend(), v);
        }
        for (int i = 0; i < cpu.cosines()[0].length; i++) assertEquals(cpu.cosines()[0][i], emu.cosines()[0][i], 1e-5, "cosine of row " + i);
        assertArrayEquals(cpu.rows(), emu.rows(), "selected rows");
        assertArrayEquals(cpu.editedGate(), emu.editedGate(), "re-quantized gate blocks after the edit");
        assertEquals(cpu.storageError(), emu.storageError(), "storage error of the edit");
    }

    /** Cosines, top-8 selection, edit, revert on {@code backend}; asserts the revert there and returns what to compare. */
    private static Outcome run(Path file, Backend backend, float[] v) {
        try (Checkpoint ck = Checkpoint.open(file);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(8)) {
            Weight gate = model.gateWeights().getFirst();
            int[] all = IntStream.range(0, gate.rows()).toArray();
            byte[] original = backend.readRows(gate, all);
            float[] before = s.forwardLastLogits(PROMPT);

            float[][] cosines = GateCosines.compute(model, v);
            Selection selection = GateRowSelector.select(Arrays.asList(cosines), 8);
            Surgeon surgeon = new Surgeon(model);
            Edit edit = surgeon.apply(selection.rows(), v, 4f);
            byte[] edited = backend.readRows(gate, all);
            assertFalse(Arrays.equals(original, edited), "the edit changes the stored blocks on " + backend.name());

            surgeon.revert(edit);
            assertArrayEquals(original, backend.readRows(gate, all), "revert restores the blocks on " + backend.name());
            s.reset();
            assertArrayEquals(before, s.forwardLastLogits(PROMPT), "revert restores the logits on " + backend.name());
            return new Outcome(cosines, selection.rows(), edited, edit.storageError());
        }
    }
}
