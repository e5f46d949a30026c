package io.scalpel.synth;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantized synthetic GGUFs against their F32 source (same shape and seed, so the same values before
 * quantization): matrices are stored in the quantized type, norms in F32, the file is the quantized size,
 * and the model's logits stay within each type's documented tolerance (relative L2) of the F32 model's.
 */
class QuantizedSynthTest {
    /** Rows of 256 and 512: whole Q4_K/Q6_K super-blocks, so every matrix is quantized. */
    static final String SHAPE = "dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=1000,seq=64,tied=false";
    private static final int[] PROMPT = {1, 17, 999, 3, 42, 7};

    @TempDir Path dir;

    private Path write(String dtype) throws IOException {
        var spec = SyntheticCheckpoint.Spec.parse(SHAPE, dtype, "gguf", 3);
        Path path = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        long header = Files.size(path) - spec.weightBytes();
        assertTrue(header > 0 && header < 64 * 1024, "file holds the quantized weights and a small header: " + header);
        return path;
    }

    private static float[] logits(Path path, DType expected) throws IOException {
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(path);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(16)) {
            assertEquals(expected, ck.weights().layers().getFirst().gate().dtype());
            assertEquals(expected, ck.weights().embedding().dtype());
            assertEquals(DType.F32, ck.weights().finalNorm().dtype(), "norm gains stay F32");
            return s.forwardLastLogits(PROMPT);
        }
    }

    private static double relativeL2(float[] a, float[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (double) (a[i] - b[i]);
            n += b[i] * (double) b[i];
        }
        return Math.sqrt(d / n);
    }

    /**
     * Tolerances: measured 0.014 (Q8_0), 0.047 (Q6_K), 0.21 (Q4_0), 0.19 (Q4_K) — about 2.7× the weights' own relative quantization error (Q8_0 ~0.005, Q6_K ~0.02,
     * Q4_0 / Q4_K ~0.08, QuantizerRoundTripTest), as a 2-layer random-weight forward pass carries it into its
     * logits; a model that dropped or mis-scaled a tensor is off by order 1.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"q8_0, Q8_0, 0.025", "q6_k, Q6_K, 0.08", "q4_0, Q4_0, 0.3", "q4_k, Q4_K, 0.3"})
    void logitsStayCloseToTheF32Source(String name, DType dtype, double tolerance) throws IOException {
        float[] reference = logits(write("f32"), DType.F32);
        float[] quantized = logits(write(name), dtype);
        double rel = relativeL2(quantized, reference);
        assertTrue(rel < tolerance, name + " logits relative L2 " + rel);
        assertTrue(rel > 0, "the quantized model is not the F32 one");
    }

    @Test
    void quantizedTypesAreGgufOnly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticCheckpoint.Spec.parse(SHAPE, "q4_k", "safetensors", 1));
        assertTrue(e.getMessage().contains("--format gguf"), e.getMessage());
    }
}
