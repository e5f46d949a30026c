package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** argmax and sample on the device give the CPU's token ids exactly. Skips with "no CUDA device" where there is none. */
class CudaSamplingTest extends GpuVsCpuTest {
    @ParameterizedTest
    @CsvSource({"1", "255", "256", "257", "32000", "151936"})
    void argmaxMatches(int n) {
        float[] x = gaussian(new Random(n), n, 4);
        assertEquals(cpu.argmax(filled(cpu, x), n), gpu.argmax(filled(gpu, x), n), "argmax of " + n);
    }

    @Test
    void argmaxTakesTheLowestIndexOnTies() {
        int n = 100_003;
        float[] x = gaussian(new Random(11), n, 1);
        x[77_777] = 50f;
        x[5_000] = 50f;
        x[99_999] = 50f;
        assertEquals(5_000, gpu.argmax(filled(gpu, x), n));
        assertEquals(0, gpu.argmax(filled(gpu, new float[4099]), 4099), "all equal: index 0");
        assertEquals(cpu.argmax(filled(cpu, x), n), gpu.argmax(filled(gpu, x), n));
    }

    @Test
    void argmaxOfASliceCountsFromTheSlice() {
        float[] x = gaussian(new Random(12), 3000, 1);
        x[2500] = 99f;
        Buffer b = filled(gpu, x);
        assertEquals(500, gpu.argmax(b.slice(2000, 1000), 1000));
    }

    /** Same (temperature, topK, topP, uniform) on both backends: the same token. */
    @ParameterizedTest
    @CsvSource({"1.0,0,1.0", "0.7,40,1.0", "1.0,0,0.9", "1.3,50,0.8", "1.0,1,1.0", "0.5,5,0.5", "2.0,0,0.99", "1.0,1000,1.0"})
    void sampleMatches(float temperature, int topK, float topP) {
        Random r = new Random(13);
        int n = 1000;
        float[] logits = gaussian(r, n, 3);
        Buffer c = filled(cpu, logits), g = filled(gpu, logits);
        double[] uniforms = new double[24];
        uniforms[0] = 0;
        uniforms[1] = 0.5;
        uniforms[2] = 0.999_999;
        for (int i = 3; i < uniforms.length; i++) uniforms[i] = r.nextDouble();
        for (double u : uniforms) {
            assertEquals(cpu.sample(c, n, temperature, topK, topP, u), gpu.sample(g, n, temperature, topK, topP, u),
                    "sample T=" + temperature + " topK=" + topK + " topP=" + topP + " u=" + u);
        }
    }

    @Test
    void sampleOverALargeVocabularyWithTies() {
        Random r = new Random(14);
        int n = 151_936;
        float[] logits = gaussian(r, n, 2);
        for (int i = 0; i < 64; i++) logits[r.nextInt(n)] = 9f;  // a block of equal top logits: order by id
        Buffer c = filled(cpu, logits), g = filled(gpu, logits);
        for (int i = 0; i < 16; i++) {
            double u = r.nextDouble();
            assertEquals(cpu.sample(c, n, 1f, 0, 1f, u), gpu.sample(g, n, 1f, 0, 1f, u), "u=" + u);
            assertEquals(cpu.sample(c, n, 0.8f, 40, 0.95f, u), gpu.sample(g, n, 0.8f, 40, 0.95f, u), "top-k/top-p u=" + u);
        }
    }

    /** NaN logits (a diverged model, say): NaN never wins argmax and weighs nothing in sampling, on both backends. */
    @Test
    void nanLogitsAreChosenAsOnTheCpu() {
        Random r = new Random(15);
        int n = 40_000;
        float[] logits = gaussian(r, n, 2);
        logits[0] = Float.NaN;  // where the CPU's old loop started its running best
        for (int i = 0; i < 500; i++) logits[r.nextInt(n)] = Float.NaN;
        logits[31_337] = Float.NaN;
        Buffer c = filled(cpu, logits), g = filled(gpu, logits);
        assertEquals(cpu.argmax(c, n), gpu.argmax(g, n), "argmax with NaNs");
        for (int i = 0; i < 8; i++) {
            double u = r.nextDouble();
            assertEquals(cpu.sample(c, n, 1f, 0, 1f, u), gpu.sample(g, n, 1f, 0, 1f, u), "sample with NaNs u=" + u);
            assertEquals(cpu.sample(c, n, 0.7f, 40, 0.9f, u), gpu.sample(g, n, 0.7f, 40, 0.9f, u), "top-k/top-p with NaNs u=" + u);
        }
        float[] allNan = GpuTestSupport.nans(1000);
        assertEquals(0, gpu.argmax(filled(gpu, allNan), 1000));
        assertEquals(cpu.sample(filled(cpu, allNan), 1000, 1f, 0, 1f, 0.5), gpu.sample(filled(gpu, allNan), 1000, 1f, 0, 1f, 0.5));
    }
}
