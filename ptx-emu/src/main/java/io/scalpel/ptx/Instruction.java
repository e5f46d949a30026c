package io.scalpel.ptx;

/**
 * One decoded PTX instruction: every operand is already a register-file slot (immediates and special
 * registers have slots of their own, filled when a thread starts), every label a code index, so executing it
 * does no string work. Fields are set once by {@link PtxParser} and read by {@link BlockExecution}.
 */
final class Instruction {
    Op op;
    ScalarType type;
    /** cvt's source type; wmma's element type. */
    ScalarType from;
    /** A {@link Rounding}, {@link Compare}, shuffle mode, atomic op or wmma matrix, as the op needs. */
    int mode;
    boolean ftz;
    boolean sat;
    /** cvt to an integer with .rni/.rzi/.rmi/.rpi, or cvt between floats with an integer rounding. */
    boolean integerRounding;
    /** Guard predicate slot, or -1; taken when the predicate equals {@code !guardNegated}. */
    int guard = -1;
    boolean guardNegated;
    /** Slots: destination(s) and sources. */
    int d = -1, d2 = -1, a = -1, b = -1, c = -1, e = -1;
    /** vote's predicate operand is negated ({@code !%p}). */
    boolean aNegated;
    /** Memory operand: base-address slot. */
    int base = -1;
    /** Memory operand displacement in bytes (or param-buffer offset for ld.param). */
    long offset;
    StateSpace space;
    boolean nonCoherent;
    /** Vector and fragment operand slots (ld/st .v2/.v4, mov packs, wmma fragments). */
    int[] dv, av, bv, cv;
    /** Branch target (code index). */
    int target = -1;
    /** Line of the PTX text the instruction came from (1-based) and its opcode as written. */
    int line;
    String opcode;

    int width() { return dv != null ? dv.length : av != null ? av.length : 1; }
}
