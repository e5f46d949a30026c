package io.scalpel.backend.cuda;

import io.scalpel.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only pieces of the CUDA backend: memory-fit messages, option parsing, row-edit rounds. */
class HostSideCudaTest {

    @Test
    void memoryFitComparesNeededWithFree() {
        MemoryFit fits = new MemoryFit(3L << 30, 70L << 30, 80L << 30, MemoryFit.DEFAULT_HEADROOM, "NVIDIA H100 80GB HBM3");
        assertTrue(fits.fits());
        assertEquals("needs 3.00 GiB on the GPU; NVIDIA H100 80GB HBM3 has 70.00 GiB free of 80.00 GiB: fits", fits.message());
        MemoryFit tight = new MemoryFit(15L << 30, 15L << 30, 16L << 30, MemoryFit.DEFAULT_HEADROOM, "Tesla T4");
        assertFalse(tight.fits(), "headroom counts");
        assertTrue(tight.message().contains("does NOT fit (short by 0.50 GiB"), tight.message());
        assertEquals(1, tight.message().lines().count());
    }

    @Test
    void parsesVariantsAndCasts() {
        assertEquals(MatmulVariant.TENSOR_CORE, MatmulVariant.parse("tensor-core"));
        assertEquals(MatmulVariant.TENSOR_CORE, MatmulVariant.parse("WMMA"));
        assertEquals(MatmulVariant.NAIVE, MatmulVariant.parse("naive"));
        assertThrows(IllegalArgumentException.class, () -> MatmulVariant.parse("fast"));
        assertEquals(DType.BF16, WeightCast.parse("bf16").residentType(DType.F32));
        assertEquals(DType.F16, WeightCast.BF16.residentType(DType.F16), "16-bit checkpoints are never recast");
        assertEquals(DType.F32, WeightCast.NONE.residentType(DType.F32));
        assertThrows(IllegalArgumentException.class, () -> new CudaOptions(-1, MatmulVariant.TILED, WeightCast.NONE, false));
    }

    @Test
    void repeatedRowsAreEditedInOrderedRoundsOfDistinctRows() {
        List<int[]> rounds = CudaBackend.distinctRounds(new int[] {4, 7, 4, 9, 4, 7});
        assertEquals(3, rounds.size());
        assertArrayEquals(new int[] {4, 7, 9}, rounds.get(0));
        assertArrayEquals(new int[] {4, 7}, rounds.get(1));
        assertArrayEquals(new int[] {4}, rounds.get(2));
        assertEquals(1, CudaBackend.distinctRounds(new int[] {1, 2, 3}).size());
        assertEquals(0, CudaBackend.distinctRounds(new int[0]).size());
    }
}
