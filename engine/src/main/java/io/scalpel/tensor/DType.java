package io.scalpel.tensor;

import io.scalpel.quant.BlockCodec;
import io.scalpel.quant.Q4KCodec;
import io.scalpel.quant.Q4_0Codec;
import io.scalpel.quant.Q6KCodec;
import io.scalpel.quant.Q8_0Codec;

/**
 * Element types a checkpoint may store. Plain types (F32, F16, BF16, I32) have one element per
 * "block"; the quantized GGUF types (Q8_0, Q4_0, Q4_K, Q6_K) store {@link #blockSize()} elements in
 * {@link #blockBytes()} bytes and are kept in that encoding in memory. A matrix row is always a whole
 * number of blocks, so rows can be sliced, copied and hashed as bytes whatever the type.
 */
public enum DType {
    F32(1, 4), F16(1, 2), BF16(1, 2), I32(1, 4),
    /** ggml block_q8_0: fp16 scale, 32 int8. */
    Q8_0(32, 34),
    /** ggml block_q4_0: fp16 scale, 32 4-bit values offset by 8. */
    Q4_0(32, 18),
    /** ggml block_q4_K: fp16 d and dmin, 8 × 6-bit (scale, min) pairs, 256 4-bit values. */
    Q4_K(256, 144),
    /** ggml block_q6_K: 256 6-bit values (4 low bits, 2 high bits), 16 int8 scales, fp16 d. */
    Q6_K(256, 210);

    private final int blockSize;
    private final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes per element of a plain type; quantized types have no whole number of bytes per element. */
    public int bytes() {
        if (isQuantized()) throw new IllegalStateException(this + " stores blocks of " + blockSize + " elements, not bytes per element");
        return blockBytes;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block (the element size for plain types). */
    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    /** Holds real numbers (every type but I32), quantized or not. */
    public boolean isFloat() { return this != I32; }

    /** Bytes taken by {@code elements} elements, which must be a whole number of blocks. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements are not a whole number of " + this + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** Bytes of one row of {@code cols} elements (a whole number of blocks). */
    public long rowBytes(int cols) { return byteSize(cols); }

    /** The block encoder/decoder of a quantized type. */
    public BlockCodec codec() {
        return switch (this) {
            case Q8_0 -> Q8_0Codec.INSTANCE;
            case Q4_0 -> Q4_0Codec.INSTANCE;
            case Q4_K -> Q4KCodec.INSTANCE;
            case Q6_K -> Q6KCodec.INSTANCE;
            case F32, F16, BF16, I32 -> throw new IllegalStateException(this + " is not a quantized type");
        };
    }

    /** Parses the names used by safetensors headers ("F32", "F16", "BF16", "I32"). */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I32" -> I32;
            default -> throw new IllegalArgumentException("unsupported dtype " + name + " (supported: F32, F16, BF16, I32)");
        };
    }

    /** Rounds an fp32 value to this type's bits (round to nearest even), returned in the low bits. */
    public int encode(float v) {
        return switch (this) {
            case F32 -> Float.floatToRawIntBits(v);
            case F16 -> Float.floatToFloat16(v) & 0xFFFF;
            case BF16 -> Bf16.fromFloat(v) & 0xFFFF;
            case I32 -> throw new IllegalStateException("I32 is not a float type");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalStateException(this + " encodes whole blocks: use codec()");
        };
    }

    /** Widens this type's bits (low bits of {@code bits}) to fp32, exactly. */
    public float decode(int bits) {
        return switch (this) {
            case F32 -> Float.intBitsToFloat(bits);
            case F16 -> Float.float16ToFloat((short) bits);
            case BF16 -> Float.intBitsToFloat(bits << 16);
            case I32 -> throw new IllegalStateException("I32 is not a float type");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalStateException(this + " decodes whole blocks: use codec()");
        };
    }
}
