package io.scalpel.ptx;

/**
 * A kernel did something the hardware would fault on or a sanitizer flags: the message names the check, the
 * kernel, the PTX line and instruction, the block and thread, and the address.
 */
public final class KernelFault extends RuntimeException {

    /** Which check raised it. */
    public enum Kind { MEMCHECK, RACECHECK, INITCHECK, SYNC, LAUNCH }

    private final Kind kind;

    public KernelFault(Kind kind, String message) {
        super(kind.name().toLowerCase() + ": " + message);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
