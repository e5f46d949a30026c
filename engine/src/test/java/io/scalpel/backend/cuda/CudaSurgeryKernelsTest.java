package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.Bf16;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.FP32_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.assertClose;
import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.poisoned;
import static io.scalpel.backend.cuda.GpuTestSupport.read;
import static io.scalpel.backend.cuda.GpuTestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The surgery's row operations: cosines within fp32 tolerance, everything that writes bits bit-exact vs the CPU. */
class CudaSurgeryKernelsTest extends GpuVsCpuTest {
    private static Tensor gateLike(DType dtype, int rows, int cols, long seed) {
        float[] values = gaussian(new Random(seed), rows * cols, 0.05);
        for (int c = 0; c < cols; c++) values[3 * cols + c] = 0f;  // a zero row: cosine 0
        return tensor("gate_proj", dtype, values, rows, cols);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void rowCosines(DType dtype) {
        int rows = 513, cols = 1003;
        Tensor w = gateLike(dtype, rows, cols, 21);
        float[] v = gaussian(new Random(22), cols, 1);
        Buffer expected = cpu.allocate(rows);
        cpu.rowCosines(expected, cpu.upload(w), filled(cpu, v));
        Buffer actual = poisoned(gpu, rows);
        gpu.rowCosines(actual, gpu.upload(w), filled(gpu, v));
        float[] got = read(gpu, actual, rows);
        assertClose(read(cpu, expected, rows), got, FP32_TOLERANCE, "rowCosines " + dtype);
        assertEquals(0f, got[3], "zero row");
        Buffer zeros = poisoned(gpu, rows);
        gpu.rowCosines(zeros, gpu.upload(w), gpu.allocate(cols));
        assertArrayEquals(new float[rows], read(gpu, zeros, rows), "zero vector");
    }

    /** Same edit on both backends, including a row listed twice; the stored bits must be identical. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void addToRowsIsBitExact(DType dtype) {
        int rows = 300, cols = 1001;
        Tensor w = gateLike(dtype, rows, cols, 23);
        float[] v = gaussian(new Random(24), cols, 1);
        int[] edited = {0, 299, 17, 3, 17, 150};
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) all[i] = i;
        Weight cw = cpu.upload(w), gw = gpu.upload(w);
        cpu.addToRows(cw, edited, filled(cpu, v), -0.37f);
        gpu.addToRows(gw, edited, filled(gpu, v), -0.37f);
        assertArrayEquals(cpu.readRows(cw, all), gpu.readRows(gw, all), "stored bits after addToRows " + dtype);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void readAndWriteRowsRoundTripBitExactly(DType dtype) {
        int rows = 64, cols = 333;
        Tensor w = gateLike(dtype, rows, cols, 25);
        int[] picked = {63, 0, 5, 5, 40};
        Weight cw = cpu.upload(w), gw = gpu.upload(w);
        byte[] original = gpu.readRows(gw, picked);
        assertArrayEquals(cpu.readRows(cw, picked), original, "readRows " + dtype);

        byte[] scribble = new byte[original.length];
        new Random(26).nextBytes(scribble);
        int[] once = {63, 0, 5, 40};
        byte[] scribbleOnce = new byte[Math.toIntExact(once.length * (long) cols * dtype.bytes())];
        System.arraycopy(scribble, 0, scribbleOnce, 0, scribbleOnce.length);
        gpu.writeRows(gw, once, scribbleOnce);
        assertArrayEquals(scribbleOnce, gpu.readRows(gw, once), "writeRows then readRows " + dtype);

        gpu.writeRows(gw, picked, original);  // duplicates: the last copy of row 5 wins, as on the CPU
        cpu.writeRows(cw, picked, original);
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) all[i] = i;
        assertArrayEquals(cpu.readRows(cw, all), gpu.readRows(gw, all), "restored " + dtype);
    }

    @Test
    void f32CheckpointCastOnUploadRoundsToNearestEven() {
        int rows = 9, cols = 77;
        float[] values = gaussian(new Random(27), rows * cols, 1);
        Tensor w = tensor("w", DType.F32, values, rows, cols);
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) all[i] = i;
        for (WeightCast cast : new WeightCast[] {WeightCast.BF16, WeightCast.F16}) {
            try (CudaBackend casting = GpuTestSupport.open(GpuTestSupport.testOptions().withCastF32(cast))) {
                Weight gw = casting.upload(w);
                assertEquals(cast.residentType(DType.F32), gw.dtype());
                byte[] bits = casting.readRows(gw, all);
                for (int i = 0; i < values.length; i++) {
                    int expected = cast == WeightCast.BF16 ? Bf16.fromFloat(values[i]) & 0xFFFF : Float.floatToFloat16(values[i]) & 0xFFFF;
                    int got = (bits[2 * i] & 0xFF) | (bits[2 * i + 1] & 0xFF) << 8;
                    assertEquals(expected, got, cast + " element " + i);
                }
            }
        }
    }
}
