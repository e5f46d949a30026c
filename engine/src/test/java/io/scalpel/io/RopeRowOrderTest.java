package io.scalpel.io;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** q/k row orders: interleaved (2i, 2i+1) pairs ↔ rotate_half (i, i + headDim/2) pairs, by copy and in place. */
class RopeRowOrderTest {

    /** Rows of 3 floats whose every element is the row's index: the permuted matrix names its source rows. */
    private static Tensor rowsNamedByIndex(Arena arena, int rows) {
        MemorySegment m = arena.allocate((long) rows * 3 * Float.BYTES, 64);
        for (int r = 0; r < rows; r++) for (int c = 0; c < 3; c++) m.setAtIndex(ValueLayout.JAVA_FLOAT, r * 3L + c, r);
        return new Tensor("wq", DType.F32, new long[] {rows, 3}, m);
    }

    private static float[] firstColumn(Tensor t) {
        float[] out = new float[t.rows()];
        for (int r = 0; r < out.length; r++) out[r] = t.data().getAtIndex(ValueLayout.JAVA_FLOAT, r * 3L);
        return out;
    }

    @Test
    void twoHeadsOfFourRowsByHand() {
        try (Arena arena = Arena.ofConfined()) {
            // Per head of 4: rotate_half row i takes interleaved row 2i, row 2 + i takes 2i + 1.
            float[] expected = {0, 2, 1, 3, 4, 6, 5, 7};
            assertArrayEquals(expected, firstColumn(RopeRowOrder.toRotateHalf(rowsNamedByIndex(arena, 8), 2, arena)));
            Tensor inPlace = RopeRowOrder.toRotateHalfInPlace(rowsNamedByIndex(arena, 8), 2);
            assertArrayEquals(expected, firstColumn(inPlace));
            assertTrue(inPlace.data().isReadOnly(), "the in-place result is handed out read-only");
            assertArrayEquals(firstColumn(rowsNamedByIndex(arena, 8)),
                    firstColumn(RopeRowOrder.toInterleaved(inPlace, 2, arena)), "toInterleaved undoes it");
        }
    }

    @Test
    void inPlaceEqualsTheCopyForWiderHeads() {
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(firstColumn(RopeRowOrder.toRotateHalf(rowsNamedByIndex(arena, 48), 3, arena)),
                    firstColumn(RopeRowOrder.toRotateHalfInPlace(rowsNamedByIndex(arena, 48), 3)));
        }
    }
}
