package io.scalpel.io;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.Transformer;
import io.scalpel.synth.SyntheticCheckpoint;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Editing the resident weights never writes through to the checkpoint, whatever memory the reader
 * handed out (a read-only mapping, or a writable copy made at load such as llama2.c's aligned copy):
 * the checkpoint's gate rows are the patch's base hash and the exporter's source.
 */
class CheckpointImmutabilityTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama2c, f32", "safetensors, bf16", "gguf, f16"})
    void anEditOfTheResidentGateLeavesTheCheckpointUnchanged(String format, String dtype) throws java.io.IOException {
        var spec = SyntheticCheckpoint.Spec.parse("dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=300,seq=64", dtype, format, 5);
        Path path = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(path);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            for (Tensor t : tensors(ck)) assertTrue(t.data().isReadOnly(), t.name() + " is writable through the checkpoint");
            Tensor gate = ck.weights().layers().getFirst().gate();
            byte[] before = gate.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            int[] rows = IntStream.range(0, 8).toArray();
            float[] v = new float[ck.config().dim()];
            java.util.Arrays.fill(v, 0.25f);
            try (Buffer b = backend.allocate(v.length)) {
                backend.write(b, v);
                backend.addToRows(model.gateWeights().getFirst(), rows, b, 2f);
            }
            byte[] resident = backend.readRows(model.gateWeights().getFirst(), IntStream.range(0, gate.rows()).toArray());
            assertFalse(java.util.Arrays.equals(before, resident), "the edit changed nothing");
            assertArrayEquals(before, gate.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    "editing the resident gate changed the checkpoint's gate");
        }
    }

    private static List<Tensor> tensors(Checkpoint ck) {
        List<Tensor> all = new ArrayList<>(List.of(ck.weights().embedding(), ck.weights().finalNorm(), ck.weights().output()));
        for (LayerWeights l : ck.weights().layers()) {
            for (Tensor t : new Tensor[]{l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.bq(), l.bk(), l.bv(), l.ffnNorm(), l.gate(), l.up(), l.down()}) {
                if (t != null) all.add(t);
            }
        }
        return all;
    }
}
