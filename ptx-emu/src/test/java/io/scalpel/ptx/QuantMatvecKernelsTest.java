package io.scalpel.ptx;

import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static io.scalpel.ptx.EmulatedKernels.dim;
import static io.scalpel.ptx.EmulatedKernels.relativeL2;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quant_matvec.cu on the interpreter: random blocks (random quant bytes, random small fp16 scales) against
 * a float64 dot with the weights decoded here from ggml's block layouts, written out again for the test
 * (Q8_0 d·q; Q4_0 (nibble − 8)·d; Q4_K (d·sc)·q − dmin·m with get_scale_min_k4; Q6_K (d·scale)·(q − 32)).
 * Decode (one x row) and prefill (x rows strided over grid y); outputs poisoned first; 1e-5 relative L2.
 */
class QuantMatvecKernelsTest {

    private record Layout(int blockSize, int blockBytes) {}

    private static Layout layout(String type) {
        return switch (type) {
            case "q8_0" -> new Layout(32, 34);
            case "q4_0" -> new Layout(32, 18);
            case "q4_k" -> new Layout(256, 144);
            case "q6_k" -> new Layout(256, 210);
            default -> throw new IllegalArgumentException(type);
        };
    }

    @ParameterizedTest
    @CsvSource({"q8_0,1,37,96", "q8_0,3,9,64", "q4_0,1,37,96", "q4_0,2,9,64",
            "q4_k,1,13,512", "q4_k,2,5,256", "q6_k,1,13,512", "q6_k,3,5,256"})
    void matchesTheBlockFormulas(String type, int rows, int n, int k) {
        Random rnd = new Random(21);
        Layout l = layout(type);
        int blocks = n * k / l.blockSize();
        byte[] w = new byte[blocks * l.blockBytes()];
        rnd.nextBytes(w);
        for (int b = 0; b < blocks; b++) {
            int at = b * l.blockBytes();
            switch (type) {
                case "q8_0", "q4_0" -> half(w, at, 0.01f + rnd.nextFloat() * 0.02f);
                case "q4_k" -> { half(w, at, 0.001f + rnd.nextFloat() * 0.002f); half(w, at + 2, rnd.nextFloat() * 0.003f); }
                case "q6_k" -> half(w, at + 208, 0.0001f + rnd.nextFloat() * 0.0002f);
                default -> throw new IllegalArgumentException(type);
            }
        }
        float[] decoded = new float[n * k];
        for (int b = 0; b < blocks; b++) decode(type, w, b * l.blockBytes(), decoded, b * l.blockSize());
        float[] x = EmulatedKernels.random(rnd, rows * k, 1f);

        EmulatedKernels kernels = new EmulatedKernels(PtxModule.QUANT_MATVEC, Sanitizers.ALL);
        long pw = kernels.device.memory().allocate(w.length);
        kernels.device.memory().copyFromHost(pw, MemorySegment.ofArray(w), w.length);
        long px = kernels.upload(x), out = kernels.poisoned(rows * n);
        kernels.launch("matvec_" + type, dim((n + 7) / 8, rows), dim(256), 0,
                a -> a.pointer(out).pointer(px).pointer(pw).int32(rows).int32(n).int32(k));
        double[] expected = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < n; o++) {
                for (int j = 0; j < k; j++) expected[r * n + o] += (double) x[r * k + j] * decoded[o * k + j];
            }
        }
        double err = relativeL2(kernels.floats(out, rows * n), expected);
        assertTrue(err < 1e-5, type + " rows=" + rows + " n=" + n + " k=" + k + ": relative L2 " + err);
    }

    private static void half(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    private static float half(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xFF) | (b[at + 1] << 8)));
    }

    private static int u(byte[] b, int at) { return b[at] & 0xFF; }

    private static void decode(String type, byte[] b, int at, float[] y, int yo) {
        switch (type) {
            case "q8_0" -> { for (int i = 0; i < 32; i++) y[yo + i] = half(b, at) * b[at + 2 + i]; }
            case "q4_0" -> {
                for (int i = 0; i < 16; i++) {
                    y[yo + i] = ((u(b, at + 2 + i) & 15) - 8) * half(b, at);
                    y[yo + 16 + i] = ((u(b, at + 2 + i) >> 4) - 8) * half(b, at);
                }
            }
            case "q4_k" -> {
                for (int j = 0; j < 8; j++) {
                    int s = at + 4;
                    int sc = j < 4 ? u(b, s + j) & 63 : (u(b, s + j + 4) & 15) | ((u(b, s + j - 4) >> 6) << 4);
                    int m = j < 4 ? u(b, s + j + 4) & 63 : (u(b, s + j + 4) >> 4) | ((u(b, s + j) >> 6) << 4);
                    for (int e = 0; e < 32; e++) {
                        int q = (u(b, at + 16 + 32 * (j / 2) + e) >> (4 * (j % 2))) & 15;
                        y[yo + 32 * j + e] = half(b, at) * sc * q - half(b, at + 2) * m;
                    }
                }
            }
            case "q6_k" -> {
                for (int e = 0; e < 256; e++) {
                    int h = e / 128, g = (e % 128) / 32, l = e % 32;
                    int low = (u(b, at + 64 * h + 32 * (g % 2) + l) >> (4 * (g / 2))) & 15;
                    int high = (u(b, at + 128 + 32 * h + l) >> (2 * g)) & 3;
                    y[yo + e] = half(b, at + 208) * b[at + 192 + e / 16] * ((low | (high << 4)) - 32);
                }
            }
            default -> throw new IllegalArgumentException(type);
        }
    }
}
