package io.scalpel.ptx;

/**
 * The PTX fundamental types an instruction can name ({@code .s32}, {@code .f16}, {@code .pred}, ...). Values
 * live in 64-bit register slots as raw bits in the low {@link #bits} bits; {@link #signed} says how an
 * integer widens.
 */
enum ScalarType {
    PRED(1, false, false), B8(8, false, false), B16(16, false, false), B32(32, false, false), B64(64, false, false),
    U8(8, false, false), U16(16, false, false), U32(32, false, false), U64(64, false, false),
    S8(8, true, false), S16(16, true, false), S32(32, true, false), S64(64, true, false),
    F16(16, false, true), BF16(16, false, true), F32(32, false, true), F64(64, false, true);

    final int bits;
    final boolean signed;
    final boolean floating;

    ScalarType(int bits, boolean signed, boolean floating) {
        this.bits = bits;
        this.signed = signed;
        this.floating = floating;
    }

    int bytes() { return bits / 8; }

    /** The type a modifier names ({@code "s32"} for {@code .s32}), or null when the modifier is no type. */
    static ScalarType of(String modifier) {
        return switch (modifier) {
            case "pred" -> PRED;
            case "b8" -> B8; case "b16" -> B16; case "b32" -> B32; case "b64" -> B64;
            case "u8" -> U8; case "u16" -> U16; case "u32" -> U32; case "u64" -> U64;
            case "s8" -> S8; case "s16" -> S16; case "s32" -> S32; case "s64" -> S64;
            case "f16" -> F16; case "bf16" -> BF16; case "f32" -> F32; case "f64" -> F64;
            default -> null;
        };
    }

    /** Raw bits truncated to this type's width and widened back to 64 as the type's sign says. */
    long normalize(long raw) {
        return switch (bits) {
            case 1 -> raw & 1;
            case 8 -> signed ? (byte) raw : raw & 0xFF;
            case 16 -> signed ? (short) raw : raw & 0xFFFF;
            case 32 -> signed ? (int) raw : raw & 0xFFFF_FFFFL;
            default -> raw;
        };
    }
}
