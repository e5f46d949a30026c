package io.scalpel.surgery.evaluate;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluator leaves the model unedited even when a measurement under an edit throws. */
class SurgeryEvaluatorFailureTest {

    /** Encodes every text as [1, 2, 3]; decoding fails from the {@code failFrom}-th call on. */
    private record FailingTokenizer(int failFrom, int[] calls) implements Tokenizer {
        @Override public int[] encode(String text, boolean addBos) { return new int[]{1, 2, 3}; }
        @Override public String decode(int[] ids) {
            if (++calls[0] >= failFrom) throw new IllegalStateException("injected decode failure");
            return "x";
        }
        @Override public Decoder newDecoder() { throw new UnsupportedOperationException(); }
        @Override public int bosId() { return 1; }
        @Override public int eosId() { return 2; }
        @Override public int vocabSize() { return 32; }
        @Override public String tokenText(int id) { return "t" + id; }
    }

    @Test
    void aFailureWhileEditedRevertsTheEdit() {
        GoldenFixture f = GoldenFixture.load("llama_tiny_f32");
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            int[] all = IntStream.range(0, ck.config().hiddenDim()).toArray();
            byte[][] before = new byte[ck.config().layers()][];
            for (int l = 0; l < before.length; l++) before[l] = backend.readRows(model.gateWeights().get(l), all);
            Surgeon surgeon = new Surgeon(model);
            // One prompt: the base condition decodes once, the edited condition's decode is the second call.
            var evaluator = new SurgeryEvaluator(model, new FailingTokenizer(2, new int[1]), surgeon,
                    new SurgeryEvaluator.Settings(4, 1, 0, 16, null, 16, 1, 2));
            float[] v = new float[ck.config().dim()];
            java.util.Arrays.fill(v, 0.5f);
            assertThrows(IllegalStateException.class,
                    () -> evaluator.run(List.of("p"), List.of("p"), new int[][]{{0, 0}, {1, 1}}, v, 3f, Map.of()));
            assertTrue(surgeon.applied().isEmpty(), "the edit is still recorded as applied");
            for (int l = 0; l < before.length; l++) {
                assertArrayEquals(before[l], backend.readRows(model.gateWeights().get(l), all), "layer " + l + " left edited");
            }
        }
    }
}
