package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.driver.CountingCudaDriver;
import io.scalpel.backend.cuda.driver.DriverCounts;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The edit of rows kept in GGUF blocks moves, host to device, the distinct row ids once and the edited
 * blocks once (gather and scatter share one upload of the ids), and leaves the CPU backend's bytes.
 * Counted by {@link CountingCudaDriver} on the tests' driver (the device, else the PTX interpreter).
 */
class CudaQuantEditTrafficTest {

    @Test
    void aQuantizedEditUploadsTheRowIdsOnce() {
        GpuTestDriver.Target target = GpuTestSupport.requireDevice();
        DType dtype = DType.Q8_0;
        int rows = 20, cols = 512;
        float[] values = gaussian(new Random(41), rows * cols, 0.05);
        float[] v = gaussian(new Random(42), cols, 0.1);
        int[] edited = {0, 19, 7, 3, 7};  // 4 distinct rows, one listed twice
        int distinct = 4;
        CountingCudaDriver counting = new CountingCudaDriver(target.driver());
        try (Arena arena = Arena.ofConfined();
             CudaBackend gpu = CudaBackend.open(counting, GpuTestSupport.testOptions());
             CpuBackend cpu = new CpuBackend(1)) {
            MemorySegment bytes = arena.allocate(dtype.byteSize((long) rows * cols), 64);
            dtype.codec().encodeRow(values, 0, values.length, bytes, 0);
            Tensor w = new Tensor("gate_proj", dtype, new long[] {rows, cols}, bytes);
            Weight gw = gpu.upload(w), cw = cpu.upload(w);
            Buffer gv = filled(gpu, v);
            gpu.addToRows(gw, edited, gv, -0.8f);  // warm-up: the id and row scratch grow here, once
            DriverCounts start = counting.counts();
            gpu.addToRows(gw, edited, gv, -0.8f);
            DriverCounts edit = counting.counts().since(start);
            long rowBytes = dtype.rowBytes(cols);
            assertEquals(2, edit.hostToDeviceCopies(), "ids once, blocks once: " + edit.describe());
            assertEquals((long) distinct * Integer.BYTES + distinct * rowBytes, edit.hostToDevice(), edit.describe());

            cpu.addToRows(cw, edited, filled(cpu, v), -0.8f);
            cpu.addToRows(cw, edited, filled(cpu, v), -0.8f);
            int[] all = new int[rows];
            for (int i = 0; i < rows; i++) all[i] = i;
            assertArrayEquals(cpu.readRows(cw, all), gpu.readRows(gw, all), "stored blocks after two edits");
        }
    }
}
