package io.scalpel.e2e;

import io.scalpel.io.Checkpoint;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the patch's LoRA, merged into 16-bit weights by the usual tools, compares with Scalpel's own
 * edit. Every gate row of a 16-bit model is edited with α·v (α = 1.08, v ~ N(0, σ²) per element):
 * <ul>
 *   <li>Scalpel: {@code round16(fma(α, v, w))} — fp32 fused multiply-add, one rounding to 16 bits;</li>
 *   <li>fp32 merge (PEFT's merge_and_unload with an fp32 adapter, llama.cpp's export-lora):
 *       {@code round16(fp32(w + fp32(α·v)))} — B·A rounded to fp32, the sum rounded to fp32, then to 16 bits;</li>
 *   <li>16-bit merge (the adapter itself stored in the model's 16-bit type, merged in it):
 *       {@code round16(w + round16(α·v))}.</li>
 * </ul>
 * In exact arithmetic all three are base + B·A = w + α·v; they differ only in rounding. The test
 * asserts the bounds (fp32 merge at most one 16-bit ulp from Scalpel's bits) and prints the
 * measured shares for docs/export.md.
 */
class MergedLoraRoundingTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"golden/llama_f16", "golden/llama_bf16", "models/llama-2-tiny-random/llama-2-tiny-random.gguf"})
    void mergedSixteenBitWeightsAgainstScalpelsOnceRoundedEdit(String relative) {
        try (Checkpoint ck = Checkpoint.open(SharedData.require(relative))) {
            for (double sigma : new double[] {0.01, 0.1}) {
                Random rnd = new Random(1);
                float alpha = 1.08f;
                long n = 0, fp32Differs = 0, sixteenDiffers = 0;
                int fp32MaxUlps = 0;
                double sixteenMaxAbs = 0, diff2 = 0, norm2 = 0;
                DType dtype = null;
                for (var layer : ck.weights().layers()) {
                    Tensor gate = layer.gate();
                    dtype = gate.dtype();
                    float[] v = new float[gate.cols()];
                    for (int j = 0; j < v.length; j++) v[j] = (float) (rnd.nextGaussian() * sigma);
                    for (long i = 0; i < gate.size(); i++) {
                        float w = gate.getFloat(i), av = v[(int) (i % v.length)];
                        int scalpel = dtype.encode(Math.fma(alpha, av, w));
                        int fp32 = dtype.encode(w + alpha * av);
                        int sixteen = dtype.encode(w + dtype.decode(dtype.encode(alpha * av)));
                        int u32 = ulps(scalpel, fp32);
                        if (u32 != 0) fp32Differs++;
                        if (sixteen != scalpel) sixteenDiffers++;
                        fp32MaxUlps = Math.max(fp32MaxUlps, u32);
                        double d = dtype.decode(sixteen) - dtype.decode(scalpel), e = (double) alpha * av;
                        sixteenMaxAbs = Math.max(sixteenMaxAbs, Math.abs(d));
                        diff2 += d * d;
                        norm2 += e * e;
                        n++;
                    }
                }
                System.out.printf("merged-lora-rounding %s %s sigma=%s: %d weights; fp32 merge differs in %d (%.4f%%, max %d ulp); "
                                + "16-bit merge differs in %d (%.2f%%), max |diff| %.3g, ||diff|| / ||alpha v|| = %.3g%n", relative, dtype, sigma, n,
                        fp32Differs, 100.0 * fp32Differs / n, fp32MaxUlps, sixteenDiffers, 100.0 * sixteenDiffers / n, sixteenMaxAbs,
                        Math.sqrt(diff2 / norm2));
                assertTrue(n > 0);
                assertTrue(fp32MaxUlps <= 1, "an fp32 merge is at most one 16-bit ulp from the once-rounded edit");
                assertTrue(sixteenDiffers >= fp32Differs, "a 16-bit merge rounds twice at 16 bits: never closer than the fp32 merge overall");
            }
        }
    }

    /** Distance in representable 16-bit steps between two encodings. */
    private static int ulps(int a, int b) {
        if (a == b) return 0;
        return Math.abs(ordered(a) - ordered(b));
    }

    private static int ordered(int bits16) {
        return (bits16 & 0x8000) != 0 ? -(bits16 & 0x7FFF) : bits16 & 0x7FFF;
    }
}
