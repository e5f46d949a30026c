package io.scalpel.ptx;

/**
 * Where each element of a {@code wmma} m16n16k16 fragment lives: the sm_80 layout, which is that of two
 * {@code mma.m16n8k16} operations side by side. With {@code g = lane / 4} and {@code q = lane % 4}, a lane
 * holds 8 distinct elements numbered i = 0..7:
 * <ul>
 *   <li>A (16×16, element (m, k)) and C/D (element (m, n)): i = 0,1 → (g, 2q + i); i = 2,3 → (g + 8, 2q + i − 2);
 *       i = 4,5 → (g, 2q + 8 + i − 4); i = 6,7 → (g + 8, 2q + 8 + i − 6).</li>
 *   <li>B (element (k, n)): i = 0,1 → (2q + i, g); i = 2,3 → (2q + 8 + i − 2, g); i = 4,5 → (2q + i − 4, g + 8);
 *       i = 6,7 → (2q + 8 + i − 6, g + 8).</li>
 * </ul>
 * 16-bit elements pack two per {@code .b32} register, element 2j in the low half of register j. A and B
 * fragments of {@code .f16} have 8 registers (PTX's count for f16): registers 4..7 repeat 0..3. {@code .bf16}
 * fragments have 4 registers, C/D ({@code .f32}) one element per register, 8 registers.
 */
final class WmmaFragments {

    static final int ELEMENTS_PER_LANE = 8;

    private WmmaFragments() {}

    static int registers(int matrix, ScalarType type) {
        if (matrix >= InstructionDecoder.MATRIX_C) return 8;
        return type == ScalarType.F16 ? 8 : 4;
    }

    /** Row of element {@code i} of a lane's fragment (m for A and C/D, k for B). */
    static int row(int matrix, int lane, int i) {
        int g = lane >>> 2, q = lane & 3;
        if (matrix == InstructionDecoder.MATRIX_B) return 2 * q + (i & 1) + ((i & 2) != 0 ? 8 : 0);
        return g + ((i & 2) != 0 ? 8 : 0);
    }

    /** Column of element {@code i} (k for A, n for B and C/D). */
    static int col(int matrix, int lane, int i) {
        int g = lane >>> 2, q = lane & 3;
        if (matrix == InstructionDecoder.MATRIX_B) return g + ((i & 4) != 0 ? 8 : 0);
        return 2 * q + (i & 1) + ((i & 4) != 0 ? 8 : 0);
    }
}
