package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.FP32_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.assertClose;
import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.poisoned;
import static io.scalpel.backend.cuda.GpuTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The position-from-device kernels of the replayed decode step against the CPU backend's operations at the
 * same position: rope_rotate_half_at vs rope, kv_append vs the cache-slice write, attention_decode_split_at
 * (+ combine, planned for the whole capacity) vs attention. Run outside a graph, the position written first.
 */
class CudaDecodeGraphKernelsTest extends GpuVsCpuTest {

    @ParameterizedTest
    @CsvSource({"0,8,2,64,40", "37,8,2,64,40", "299,4,4,128,300", "76,6,3,80,200"})
    void positionFromDeviceMatchesTheCpu(int pos, int heads, int kvHeads, int headDim, int capacity) {
        Random r = new Random(pos);
        int half = headDim / 2, kvDim = kvHeads * headDim;
        float[] cos = new float[capacity * half], sin = new float[capacity * half];
        for (int p = 0; p < capacity; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        float[] q = gaussian(r, heads * headDim, 1), k = gaussian(r, kvDim, 1), v = gaussian(r, kvDim, 1);
        float[] kCache = gaussian(r, capacity * kvDim, 1), vCache = gaussian(r, capacity * kvDim, 1);

        // CPU: rope at pos, write row pos of the caches, attention over keys 0..pos.
        Buffer cq = filled(cpu, q), ck = filled(cpu, k), cK = filled(cpu, kCache), cV = filled(cpu, vCache), cOut = cpu.allocate(heads * headDim);
        Buffer cCos = filled(cpu, cos), cSin = filled(cpu, sin);
        cpu.rope(cq, 1, heads, headDim, pos, cCos, cSin);
        cpu.rope(ck, 1, kvHeads, headDim, pos, cCos, cSin);
        cpu.copy(cK.slice((long) pos * kvDim, kvDim), ck, kvDim);
        cpu.copy(cV.slice((long) pos * kvDim, kvDim), filled(cpu, v), kvDim);
        cpu.attention(cOut, cq, cK, cV, 1, pos, heads, kvHeads, headDim);

        Buffer gq = filled(gpu, q), gk = filled(gpu, k), gK = filled(gpu, kCache), gV = filled(gpu, vCache), gOut = poisoned(gpu, heads * headDim);
        Buffer gCos = filled(gpu, cos), gSin = filled(gpu, sin);
        try (CudaDecodeGraph g = (CudaDecodeGraph) gpu.newDecodeGraph(capacity, heads, headDim)) {
            g.setPosition(pos);
            g.rope(gq, heads, headDim, gCos, gSin);
            g.rope(gk, kvHeads, headDim, gCos, gSin);
            g.appendKv(gK, gV, gk, filled(gpu, v), kvDim);
            g.attention(gOut, gq, gK, gV, heads, kvHeads, headDim);
        }
        String at = " at pos " + pos + " heads " + heads + "/" + kvHeads + " d " + headDim;
        assertClose(read(cpu, cq, heads * headDim), read(gpu, gq, heads * headDim), FP32_TOLERANCE, "rope_rotate_half_at" + at);
        // K's new row is rope'd (a few ulp from the CPU's); V's is copied bit for bit; every other row is untouched.
        assertClose(read(cpu, cK, capacity * kvDim), read(gpu, gK, capacity * kvDim), FP32_TOLERANCE, "kv_append K" + at);
        assertArrayEquals(read(cpu, cV, capacity * kvDim), read(gpu, gV, capacity * kvDim), "kv_append V" + at);
        assertClose(read(cpu, cOut, heads * headDim), read(gpu, gOut, heads * headDim), FP32_TOLERANCE, "attention_decode_split_at" + at);
        float[] gotK = read(gpu, gK, capacity * kvDim);
        assertArrayEquals(Arrays.copyOf(kCache, pos * kvDim), Arrays.copyOf(gotK, pos * kvDim), "K rows before pos untouched");
        assertArrayEquals(Arrays.copyOfRange(kCache, (pos + 1) * kvDim, capacity * kvDim), Arrays.copyOfRange(gotK, (pos + 1) * kvDim, capacity * kvDim),
                "K rows after pos untouched");
    }
}
