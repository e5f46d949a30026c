package io.scalpel.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only: every grid covers its data (at awkward sizes) and stays inside the device limits. */
class LaunchShapesTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 31, 255, 256, 257, 4097, 1_000_003})
    void matrixGridsCoverEveryOutput(int size) {
        int m = size, n = size + 13;
        if ((long) m > 65535L * 16) return;
        LaunchShape naive = LaunchShapes.matmulNaive(Math.min(m, 65535 * 16), n);
        assertTrue((long) naive.gridX() * naive.blockX() >= n && (long) naive.gridY() * naive.blockY() >= Math.min(m, 65535 * 16));
        LaunchShape tiled = LaunchShapes.matmulTiled(m, n), wmma = LaunchShapes.matmulWmma(m, n);
        for (LaunchShape s : List.of(tiled, wmma)) {
            assertTrue((long) s.gridX() * LaunchShapes.MATMUL_TILE >= n && (long) (s.gridX() - 1) * LaunchShapes.MATMUL_TILE < n, s.toString());
            assertTrue((long) s.gridY() * LaunchShapes.MATMUL_TILE >= m && (long) (s.gridY() - 1) * LaunchShapes.MATMUL_TILE < m, s.toString());
        }
        assertEquals(256, tiled.threadsPerBlock());
        assertEquals(128, wmma.threadsPerBlock());
        LaunchShape matvec = LaunchShapes.warpPerRow(n, 1);
        assertTrue((long) matvec.gridX() * LaunchShapes.ROWS_PER_WARP_BLOCK >= n);
        assertTrue((long) (matvec.gridX() - 1) * LaunchShapes.ROWS_PER_WARP_BLOCK < n);
    }

    @Test
    void stridedGridsStayWithinLimits() {
        assertEquals(1, LaunchShapes.elementwise(1).gridX());
        assertEquals(4, LaunchShapes.elementwise(1000).gridX());
        assertEquals(LaunchShapes.MAX_STRIDED_BLOCKS, LaunchShapes.elementwise(10_000_000_000L).gridX());
        LaunchShape rows = LaunchShapes.rowsByColumns(100_000, 5000);
        assertEquals(65535, rows.gridY(), "rows beyond 65535 are strided, not launched");
        assertEquals(20, rows.gridX());
        assertEquals(1, LaunchShapes.rowsByColumns(3, 1).gridX());
        assertEquals(65535, LaunchShapes.warpPerRow(10, 70_000).gridY());
    }

    @Test
    void decodeAttentionSplitsCoverTheLongestRowWithoutEmptyTail() {
        for (int longest : new int[] {1, 63, 64, 65, 300, 4096, 131_072}) {
            for (int headsTimesRows : new int[] {1, 32, 256}) {
                LaunchShapes.DecodeAttention plan = LaunchShapes.decodeAttention(1, headsTimesRows, longest, 132);
                assertTrue(plan.chunk() >= LaunchShapes.DECODE_MIN_CHUNK);
                assertTrue((long) plan.chunk() * plan.splits() >= longest, "covers " + longest);
                assertTrue((long) plan.chunk() * (plan.splits() - 1) < longest, "no empty split for the longest row");
                assertEquals(plan.splits(), plan.split().gridX());
                assertEquals(headsTimesRows, plan.split().gridY());
                assertEquals(128, plan.split().threadsPerBlock());
            }
        }
        LaunchShapes.DecodeAttention plan = LaunchShapes.decodeAttention(1, 32, 4096, 132);
        assertTrue(plan.split().blocks() >= 132, "a long decode fills an H100's 132 SMs: " + plan.split());
        assertEquals(3L * 8 * plan.splits() * 64, plan.partialOutputs(3, 8, 64));
        assertEquals(2L * 3 * 8 * plan.splits(), plan.partialStats(3, 8));
    }

    @Test
    void prefillSharedMemoryMatchesTheKernelLayout() {
        assertEquals(4 * (16 * 128 + 32 * 129 + 32 * 128), LaunchShapes.prefillSharedBytes(128));
        assertTrue(LaunchShapes.prefillSharedBytes(128) <= LaunchShapes.DEFAULT_SHARED_LIMIT, "d=128 needs no opt-in");
        assertTrue(LaunchShapes.prefillSharedBytes(256) > LaunchShapes.DEFAULT_SHARED_LIMIT, "d=256 needs the opt-in");
        LaunchShape s = LaunchShapes.prefillAttention(37, 8, 64);
        assertEquals(3, s.gridX());
        assertEquals(8, s.gridY());
        assertEquals(LaunchShapes.prefillSharedBytes(64), s.sharedBytes());
    }

    @Test
    void argmaxAndSampleShapes() {
        assertEquals(1, LaunchShapes.argmaxPartials(1));
        assertEquals(2, LaunchShapes.argmaxPartials(257));
        assertEquals(1024, LaunchShapes.argmaxPartials(151_936 * 10));
        assertEquals(1024, LaunchShapes.sample().threadsPerBlock());
    }

    @Test
    void invalidShapesAreRejectedWithTheShapeInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LaunchShape(1, 70_000, 1, 32, 1, 1, 0));
        assertTrue(e.getMessage().contains("grid(1,70000,1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LaunchShape(1, 1, 1, 64, 32, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> LaunchShape.linear(0, 256));
        assertEquals("grid(3,1,1) block(256,1,1) shared 0 B", LaunchShape.linear(3, 256).toString());
    }
}
