package io.scalpel.surgery.edit;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.patch.ModelIdentity;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import io.scalpel.synth.SyntheticCheckpoint;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Surgery on quantized gate_proj (synthetic GGUFs): cosines read the decoded rows, an edit re-quantizes the
 * edited rows and reports what that rounding cost relative to the edit, revert restores the logits bit for
 * bit, and the model identity hashes the quantized bytes as stored.
 */
class QuantizedSurgeryTest {
    static final String SHAPE = "dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=500,seq=32,tied=true";
    private static final int[] PROMPT = {1, 5, 77, 300};

    @TempDir Path dir;

    /**
     * Storage-error bounds: the edit (‖αv‖ ≈ 2.5 × a row's norm) dominates the edited rows, so re-quantizing
     * them costs about the format's own relative error — measured 0.0053 (Q8_0), 0.018 (Q6_K), 0.075 (Q4_K),
     * 0.083 (Q4_0), as in QuantizerRoundTripTest; bounds at ~1.5×.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"q8_0, Q8_0, 0.01", "q4_k, Q4_K, 0.12", "q6_k, Q6_K, 0.03", "q4_0, Q4_0, 0.12"})
    void editRequantizesAndRevertIsBitExact(String name, DType dtype, double maxStorageError) throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse(SHAPE, name, "gguf", 9);
        Path file = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        try (CpuBackend backend = new CpuBackend(2, 0);
             Checkpoint ck = Checkpoint.open(file);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(8)) {
            List<Tensor> gates = ck.weights().layers().stream().map(l -> l.gate()).toList();
            assertEquals(dtype, gates.getFirst().dtype());
            assertEquals(dtype.byteSize(512L * 256), gates.getFirst().data().byteSize(), "gate_proj kept quantized in memory");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Tensor g : gates) sha.update(g.data().toArray(ValueLayout.JAVA_BYTE));
            String identity = ModelIdentity.gateHash(gates);
            assertEquals(HexFormat.of().formatHex(sha.digest()), identity, "identity hashes the quantized bytes");

            float[] v = new float[256];
            SplittableRandom r = new SplittableRandom(2);
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            float[][] cos = GateCosines.compute(model, v);
            float[] decodedRow = gates.get(1).toFloatArray();
            assertEquals(cosine(Arrays.copyOfRange(decodedRow, 7 * 256, 8 * 256), v), cos[1][7], 1e-5, "cosines read the decoded rows");
            Selection sel = GateRowSelector.select(Arrays.asList(cos), 12);

            float[] before = s.forwardLastLogits(PROMPT);
            Surgeon surgeon = new Surgeon(model);
            float norm = 0;
            for (float x : v) norm += x * x;
            float alpha = (float) (0.05 / Math.sqrt(norm)) * 16; // ‖αv‖ = 0.8, ~2.5 × a row's norm (0.02·√256 = 0.32)
            Edit edit = surgeon.apply(sel.rows(), v, alpha);
            assertTrue(edit.storageError() > 0 && edit.storageError() < maxStorageError,
                    name + " storage error ‖Q(w+αv) − (w+αv)‖/‖αv‖ = " + edit.storageError());
            s.reset();
            float[] edited = s.forwardLastLogits(PROMPT);
            assertFalse(Arrays.equals(before, edited), "the edit changes the logits");
            assertEquals(identity, ModelIdentity.gateHash(gates), "the checkpoint's bytes are never written");

            surgeon.revert(edit);
            s.reset();
            assertArrayEquals(before, s.forwardLastLogits(PROMPT), "revert restores the logits bit for bit");
        }
    }

    private static double cosine(float[] a, float[] b) {
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        return d / Math.sqrt(na * nb);
    }
}
