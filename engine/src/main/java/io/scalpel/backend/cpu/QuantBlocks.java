package io.scalpel.backend.cpu;

import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Quantized GGUF blocks decoded in vector registers, F.length() elements at a time, to exactly the
 * floats the reference codecs in {@code io.scalpel.quant} give: the same fp32 operations in the same
 * order ({@code d·q}; {@code (q − 8)·d}), never fused (the K-quant super-blocks are decoded in
 * {@link QuantWiden} itself, in 8-lane vectors). F.length() stored bytes load as one byte vector;
 * nibbles are unpacked with lane-wise and/shift on the bytes, then converted to floats. Used by {@link QuantWiden} (prefill tiles,
 * embeddings, the surgery's row reads), which therefore sees the reference's values bit for bit; decode
 * ({@link QuantRowDot}) multiplies the integer quants first and scales once per block instead.
 *
 * <p>Every helper takes element offset {@code i} inside its block that is a multiple of F.length(); an
 * F.length()-byte load never crosses a Q4_0 half-block of 16, so F.length() must be 8 or 16
 * ({@link #VECTOR}; 256-bit vectors, which QuantWiden's K-quant decoding uses, then exist too); other
 * widths use the reference codec.
 */
final class QuantBlocks {
    static final VectorSpecies<Float> F = Widen.F;
    static final boolean VECTOR = F.length() == 8 || F.length() == 16;
    /** One stored byte per float lane. */
    static final VectorSpecies<Byte> B = VECTOR ? ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    private QuantBlocks() {}

    static float half(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(Tensor.I16_LE, off));
    }

    static int i8(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off);
    }

    private static ByteVector bytes(MemorySegment w, long off) {
        return ByteVector.fromMemorySegment(B, w, off, Widen.LE);
    }

    private static FloatVector floats(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    /** Q8_0 block at {@code bo} with scale {@code d}: elements [i, i+L) = d·q. */
    static FloatVector q8_0(MemorySegment w, long bo, int i, float d) {
        return floats(bytes(w, bo + 2 + i)).mul(d);
    }

    /*
     * Nibble selection is by shift count (0 or 4), never by choosing between two vectors: a vector-valued
     * conditional is a merge C2 may not scalar-replace, and a boxed vector costs an allocation per call.
     */

    /** Q4_0 block at {@code bo} with scale {@code d}: elements [i, i+L) = (nibble − 8)·d; i &lt; 16 low nibbles, else high. */
    static FloatVector q4_0(MemorySegment w, long bo, int i, float d) {
        int shift = (i >> 4) << 2; // 0 for the low nibbles (elements 0..15), 4 for the high ones (16..31)
        ByteVector raw = bytes(w, bo + 2 + (i & 15)).lanewise(VectorOperators.LSHR, shift).and((byte) 0x0F);
        return floats(raw.sub((byte) 8)).mul(d);
    }
}
