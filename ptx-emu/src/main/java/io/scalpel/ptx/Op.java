package io.scalpel.ptx;

/** The operations the interpreter executes; the decoder maps each PTX opcode-and-modifier combination onto one. */
enum Op {
    MOV, PACK, UNPACK,
    ADD, SUB, MUL_LO, MUL_HI, MUL_WIDE, MAD_LO, DIV, REM, MIN, MAX, NEG, ABS,
    AND, OR, XOR, NOT, SHL, SHR, POPC, CLZ, BREV, BFIND, BFI, PRMT,
    FADD, FSUB, FMUL, FMA, FDIV, FMIN, FMAX, FNEG, FABS, RCP, SQRT, RSQRT, EX2, LG2,
    SETP, SELP, CVT, CVTA_TO_GLOBAL, CVTA_SHARED, CVTA_TO_SHARED,
    LD, ST, LD_PARAM, ATOM,
    BAR, SHFL, VOTE, BRA, RET,
    WMMA_LOAD, WMMA_STORE, WMMA_MMA;

    /** Whether a thread stops here until its warp or block meets it (the scheduler resolves these). */
    boolean synchronizes() { return this == BAR || this == SHFL || this == VOTE || this == WMMA_MMA; }
}
