package io.scalpel.backend.cuda;

import io.scalpel.tensor.DType;

import java.util.Locale;

/** What an F32 checkpoint becomes on upload: kept F32, or rounded (to nearest even) to F16 or BF16 to halve memory and bandwidth. 16-bit checkpoints are never touched. */
public enum WeightCast {
    NONE, F16, BF16;

    /** The resident dtype for a tensor stored as {@code stored}. */
    public DType residentType(DType stored) {
        if (stored != DType.F32) return stored;
        return switch (this) {
            case NONE -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
        };
    }

    public static WeightCast parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "none", "f32" -> NONE;
            case "f16", "fp16", "half" -> F16;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown weight cast '" + s + "' (none, f16, bf16)");
        };
    }
}
