package io.scalpel.surgery.edit;

import io.scalpel.backend.Backend;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An edit that fails part way leaves no layer edited and nothing recorded as applied. */
class SurgeonFailureTest {
    @Test
    void aFailureInALaterLayerRestoresTheEarlierLayers() {
        GoldenFixture f = GoldenFixture.load("llama_tiny_f32");
        try (CpuBackend real = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath())) {
            assertTrue(ck.config().layers() >= 2, "needs two layers");
            Backend backend = FailingBackend.failing(real, "addToRows", 2);
            try (Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
                int[] all = IntStream.range(0, ck.config().hiddenDim()).toArray();
                byte[][] before = new byte[ck.config().layers()][];
                for (int l = 0; l < before.length; l++) before[l] = real.readRows(model.gateWeights().get(l), all);
                float[] v = new float[ck.config().dim()];
                java.util.Arrays.fill(v, 0.5f);
                int[][] rows = {{0, 0}, {0, 3}, {1, 2}};
                Surgeon surgeon = new Surgeon(model);
                assertThrows(IllegalStateException.class, () -> surgeon.apply(rows, v, 2f));
                assertTrue(surgeon.applied().isEmpty(), "a failed edit is recorded as applied");
                for (int l = 0; l < before.length; l++) {
                    assertArrayEquals(before[l], real.readRows(model.gateWeights().get(l), all), "layer " + l + " left edited");
                }
            }
        }
    }
}
