package io.scalpel.ptx;

/** setp comparison operators; the unsigned spellings (lo, ls, hi, hs) map onto lt, le, gt, ge of an unsigned type. */
final class Compare {
    static final int EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5,
            EQU = 6, NEU = 7, LTU = 8, LEU = 9, GTU = 10, GEU = 11, NUM = 12, NAN = 13;

    private Compare() {}

    static int of(String modifier) {
        return switch (modifier) {
            case "eq" -> EQ; case "ne" -> NE;
            case "lt", "lo" -> LT; case "le", "ls" -> LE; case "gt", "hi" -> GT; case "ge", "hs" -> GE;
            case "equ" -> EQU; case "neu" -> NEU; case "ltu" -> LTU; case "leu" -> LEU; case "gtu" -> GTU; case "geu" -> GEU;
            case "num" -> NUM; case "nan" -> NAN;
            default -> -1;
        };
    }
}
