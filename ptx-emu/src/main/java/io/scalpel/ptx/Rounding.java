package io.scalpel.ptx;

/** IEEE rounding modes as the decoder stores them in {@link Instruction#mode}. */
final class Rounding {
    static final int NEAREST = 0, ZERO = 1, DOWN = 2, UP = 3;

    private Rounding() {}

    /** {@code rn}/{@code rni} → NEAREST and so on; -1 when the modifier is no rounding mode. */
    static int of(String modifier) {
        return switch (modifier) {
            case "rn", "rni" -> NEAREST;
            case "rz", "rzi" -> ZERO;
            case "rm", "rmi" -> DOWN;
            case "rp", "rpi" -> UP;
            default -> -1;
        };
    }
}
