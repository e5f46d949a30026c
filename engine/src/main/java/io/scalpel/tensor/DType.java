package io.scalpel.tensor;

/**
 * Element types a checkpoint may store. Q8_0 never reaches the engine: readers dequantise it to F32
 * at load time, so every resident weight is one of F32, F16 or BF16.
 */
public enum DType {
    F32(4), F16(2), BF16(2), I32(4);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    public boolean isFloat() { return this != I32; }

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
        };
    }

    /** Widens this type's bits (low bits of {@code bits}) to fp32, exactly. */
    public float decode(int bits) {
        return switch (this) {
            case F32 -> Float.intBitsToFloat(bits);
            case F16 -> Float.float16ToFloat((short) bits);
            case BF16 -> Float.intBitsToFloat(bits << 16);
            case I32 -> throw new IllegalStateException("I32 is not a float type");
        };
    }
}
