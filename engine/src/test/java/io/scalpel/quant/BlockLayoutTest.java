package io.scalpel.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One block of each type written byte by byte from ggml's block layouts, and the floats it must decode
 * to worked out by hand (comments show the arithmetic). All values are exact in fp32.
 */
class BlockLayoutTest {

    private static float[] decode(BlockCodec codec, byte[] block) {
        assertEquals(codec.blockBytes(), block.length);
        float[] out = new float[codec.blockSize()];
        codec.decode(MemorySegment.ofArray(block), 0, out, 0);
        return out;
    }

    @Test void q8_0() {
        byte[] b = new byte[34];
        b[0] = 0x00; b[1] = 0x38;                 // d = fp16 0x3800 = 0.5
        b[2] = 1; b[3] = -2; b[4] = 127; b[5] = -128; b[33] = 9;
        float[] expected = new float[32];
        expected[0] = 0.5f; expected[1] = -1f; expected[2] = 63.5f; expected[3] = -64f; expected[31] = 4.5f;
        assertArrayEquals(expected, decode(Q8_0Codec.INSTANCE, b));
    }

    @Test void q4_0() {
        byte[] b = new byte[18];
        b[0] = 0x00; b[1] = 0x40;                 // d = 2.0
        for (int j = 0; j < 16; j++) b[2 + j] = (byte) 0x88; // nibbles 8 → (8 − 8)·2 = 0
        b[2] = 0x1F;                              // element 0: (15 − 8)·2 = 14; element 16: (1 − 8)·2 = −14
        b[3] = (byte) 0x80;                       // element 1: (0 − 8)·2 = −16; element 17: (8 − 8)·2 = 0
        b[17] = 0x7A;                             // element 15: (10 − 8)·2 = 4; element 31: (7 − 8)·2 = −2
        float[] expected = new float[32];
        expected[0] = 14f; expected[16] = -14f; expected[1] = -16f; expected[15] = 4f; expected[31] = -2f;
        assertArrayEquals(expected, decode(Q4_0Codec.INSTANCE, b));
    }

    /** Sub-block scales and mins chosen so that every packing case (j &lt; 4, j ≥ 4, high bits) is used. */
    private static final int[] Q4K_SC = {1, 2, 3, 4, 33, 40, 63, 17};
    private static final int[] Q4K_M = {5, 6, 7, 8, 50, 20, 63, 0};

    @Test void q4_k() {
        byte[] b = new byte[144];
        b[0] = 0x00; b[1] = 0x3C;                 // d = 1.0
        b[2] = 0x00; b[3] = 0x38;                 // dmin = 0.5
        // scales[0..3]: sc0..3 in the low 6 bits, sc4..7 >> 4 in the top 2 (33→2, 40→2, 63→3, 17→1)
        b[4] = (byte) 0x81; b[5] = (byte) 0x82; b[6] = (byte) 0xC3; b[7] = 0x44;
        // scales[4..7]: m0..3 in the low 6 bits, m4..7 >> 4 in the top 2 (50→3, 20→1, 63→3, 0→0)
        b[8] = (byte) 0xC5; b[9] = 0x46; b[10] = (byte) 0xC7; b[11] = 0x08;
        // scales[8..11]: sc4..7 & 15 low nibble, m4..7 & 15 high nibble (33,50 → 1,2; 40,20 → 8,4; 63,63 → 15,15; 17,0 → 1,0)
        b[12] = 0x21; b[13] = 0x48; b[14] = (byte) 0xFF; b[15] = 0x01;
        // qs: byte l of chunk c holds q = l % 16 (low, sub-block 2c) and 15 − l % 16 (high, sub-block 2c+1)
        for (int i = 0; i < 128; i++) b[16 + i] = (byte) ((i % 16) | ((15 - i % 16) << 4));
        float[] got = decode(Q4KCodec.INSTANCE, b);
        // spot values by hand: element = 1.0·sc·q − 0.5·m
        assertEquals(-2.5f, got[0]);      // chunk 0 low, l 0: q 0, sub-block 0: 0 − 2.5
        assertEquals(27f, got[32]);       // chunk 0 high, l 0: q 15, sub-block 1: 2·15 − 3
        assertEquals(140f, got[133]);     // chunk 2 low, l 5: q 5, sub-block 4: 33·5 − 25
        assertEquals(913.5f, got[223]);   // chunk 3 low, l 31: q 15, sub-block 6: 63·15 − 31.5
        assertEquals(0f, got[255]);       // chunk 3 high, l 31: q 0, sub-block 7: 0 − 0
        assertEquals(590f, got[160]);     // chunk 2 high, l 0: q 15, sub-block 5: 40·15 − 10
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int chunk = e / 64, within = e % 64, l = within % 32;
            boolean high = within >= 32;
            int sub = 2 * chunk + (high ? 1 : 0), q = high ? 15 - l % 16 : l % 16;
            expected[e] = 1.0f * Q4K_SC[sub] * q - 0.5f * Q4K_M[sub];
        }
        assertArrayEquals(expected, got);
    }

    @Test void q6_k() {
        byte[] b = new byte[210];
        // ql, qh all zero except the bytes below: q = 0 decodes to d·sc·(0 − 32)
        b[0] = 0x21;                              // ql[0]: element 0 low nibble 1, element 64 low bits 2
        b[33] = 0x43;                             // ql[33]: element 33 low bits 3, element 97 low bits 4
        b[128] = (byte) 0xE4;                     // qh[0] = 11 10 01 00: high bits of elements 0, 32, 64, 96 = 0, 1, 2, 3
        b[64 + 5] = (byte) 0xF0;                  // second half ql[5]: element 133 low 0, element 197 low 15
        b[128 + 32 + 5] = (byte) 0xFF;            // second half qh[5]: elements 133, 165, 197, 229 high bits 3
        for (int j = 0; j < 16; j++) b[192 + j] = (byte) (j % 2 == 0 ? j + 1 : -(j + 1)); // scales 1, −2, 3, −4, …
        b[208] = 0x00; b[209] = 0x38;             // d = 0.5
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            int j = e / 16, sc = j % 2 == 0 ? j + 1 : -(j + 1);
            expected[e] = 0.5f * sc * -32;        // untouched elements: q 0
        }
        expected[0] = 0.5f * 1 * (1 - 32);        // q = 1 | 0<<4, sub-block 0
        expected[32] = 0.5f * 3 * (16 - 32);      // q = 0 | 1<<4, sub-block 2
        expected[64] = 0.5f * 5 * (34 - 32);      // q = 2 | 2<<4, sub-block 4
        expected[96] = 0.5f * 7 * (48 - 32);      // q = 0 | 3<<4, sub-block 6
        expected[33] = 0.5f * 3 * (3 - 32);       // q = 3, sub-block 2
        expected[97] = 0.5f * 7 * (4 - 32);       // q = 4, sub-block 6
        expected[133] = 0.5f * 9 * (48 - 32);     // q = 0 | 3<<4, sub-block 8
        expected[165] = 0.5f * 11 * (48 - 32);    // q = 0 | 3<<4, sub-block 10
        expected[197] = 0.5f * 13 * (63 - 32);    // q = 15 | 3<<4, sub-block 12
        expected[229] = 0.5f * 15 * (48 - 32);    // q = 0 | 3<<4, sub-block 14
        assertEquals(-15.5f, expected[0]);
        assertEquals(201.5f, expected[197]);
        assertArrayEquals(expected, decode(Q6KCodec.INSTANCE, b));
    }
}
