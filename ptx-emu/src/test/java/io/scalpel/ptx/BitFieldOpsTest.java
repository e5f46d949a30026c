package io.scalpel.ptx;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** prmt and bfi against values worked out by hand from the PTX ISA's definitions. */
class BitFieldOpsTest {
    @Test void prmtPicksBytesOfTheEightByteConcatenation() {
        long a = 0x44332211L, b = 0x88776655L;
        // selector 0x7654 -> bytes 4,5,6,7 = b unchanged; 0x3210 -> a unchanged
        assertEquals(b, BlockExecution.prmt(a, b, 0x7654));
        assertEquals(a, BlockExecution.prmt(a, b, 0x3210));
        // 30212 = 0x7604 (nvcc's pack of two 16-bit halves): nibbles from the low end select result bytes
        // (0) 4 = b.byte0 = 0x55, (1) 0 = a.byte0 = 0x11, (2) 6 = b.byte2 = 0x77, (3) 7 = b.byte3 = 0x88
        assertEquals(0x88771155L, BlockExecution.prmt(a, b, 30212));
        // bit 3 of a nibble replicates that byte's sign. 0x40F8: (0) 0x8 = sign of byte 0 (0x11) -> 0x00,
        // (1) 0xF = sign of byte 7 (0x88) -> 0xFF, (2) 0x0 = byte 0 = 0x11, (3) 0x4 = byte 4 = 0x55
        assertEquals(0x5511FF00L, BlockExecution.prmt(a, b, 0x40F8));
    }

    @Test void bfiReplacesTheFieldAndClampsAtTheWidth() {
        // insert 0b11 of a at bits [4, 6) of b = 0xFFFFFF0F -> 0xFFFFFF3F
        assertEquals(0xFFFFFF3FL, BlockExecution.bfi(32, 0x3, 0xFFFFFF0FL, 4, 2));
        // only the low len bits of a are used
        assertEquals(0x00000030L, BlockExecution.bfi(32, 0xFF, 0, 4, 2));
        // len 0 or pos >= 32 leaves b
        assertEquals(0x1234L, BlockExecution.bfi(32, 0xFF, 0x1234, 4, 0));
        assertEquals(0x1234L, BlockExecution.bfi(32, 0xFF, 0x1234, 32, 8));
        // a field running past bit 31 is cut at the register width
        assertEquals(0xF0000000L, BlockExecution.bfi(32, 0xFF, 0, 28, 8));
    }
}
