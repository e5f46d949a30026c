package io.scalpel.surgery.activations;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ActivationCollectorTest {
    @Test void severalIndicesInOnePassEqualEachCollectedAlone() {
        GoldenFixture f = GoldenFixture.load("llama_tiny_f32");
        try (CpuBackend backend = new CpuBackend(2); Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            List<int[]> texts = List.of(new int[]{1, 5, 9, 3}, new int[]{1, 17}, f.inputIds());
            int layers = ck.config().layers();
            int[] indices = {layers, 0, layers / 2};
            float[][][] together = new ActivationCollector(model, indices, 16).collectAll(texts, false);
            for (int j = 0; j < indices.length; j++) {
                float[][] alone = new ActivationCollector(model, indices[j], 16).collect(texts, false);
                for (int t = 0; t < texts.size(); t++) assertArrayEquals(alone[t], together[j][t], "index " + indices[j] + ", text " + t);
            }
            assertThrows(IllegalArgumentException.class, () -> new ActivationCollector(model, new int[]{1, 1}, 16));
        }
    }
}
