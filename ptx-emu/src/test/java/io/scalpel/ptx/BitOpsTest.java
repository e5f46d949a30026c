package io.scalpel.ptx;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** prmt and bfi against hand-worked examples from the PTX ISA's definitions. */
class BitOpsTest {

    @Test
    void prmtSelectsBytesOfTheEightBytePair() {
        long a = 0x33221100L, b = 0x77665544L;
        // 0x7654 selects bytes 4,5,6,7 → b itself; 0x3210 → a; 30212 = 0x7604 → bytes 4,0,6,7.
        assertEquals(0x77665544L, BlockExecution.permute(a, b, 0x7654));
        assertEquals(0x33221100L, BlockExecution.permute(a, b, 0x3210));
        assertEquals(0x77660044L, BlockExecution.permute(a, b, 30212));
        // Bit 3 of a nibble replicates the selected byte's sign: byte 7 (0x77) → 0x00, of 0x80 → 0xFF.
        assertEquals(0x000000FFL, BlockExecution.permute(0x80L, 0, 0x0008) & 0xFF);
        assertEquals(0x00L, BlockExecution.permute(a, b, 0x000F) & 0xFF);
    }

    @Test
    void bfiInsertsTheLowBitsAtThePosition() {
        // Insert 0b10 (from a = 0b...110) into b = 0 at bit 4, 2 bits wide → 0b10_0000.
        assertEquals(0x20L, BlockExecution.insertBits(ScalarType.B32, 0b110, 0, 4, 2));
        // Clears as well as sets: b = 0xFF, a = 0 → bits 4,5 cleared.
        assertEquals(0xCFL, BlockExecution.insertBits(ScalarType.B32, 0, 0xFF, 4, 2));
        // A field running past bit 31 is cut there.
        assertEquals(0x8000_0000L, BlockExecution.insertBits(ScalarType.B32, 0xF, 0, 31, 4));
    }
}
