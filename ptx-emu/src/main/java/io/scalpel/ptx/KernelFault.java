package io.scalpel.ptx;

/**
 * A kernel did something the hardware would fault on or a sanitizer flags: the message names the check, the
 * kernel, the PTX line and instruction, the block and thread, and the address.
 */
public final class KernelFault extends RuntimeException {

    /** Which check raised it. */
    public enum Kind {
        /** An access outside every allocation (or outside the block's shared memory). */
        MEMCHECK("memcheck"),
        /** An access not aligned to its size (reported by memcheck, a distinct error on hardware). */
        MISALIGNED("memcheck"),
        RACECHECK("racecheck"),
        INITCHECK("initcheck"),
        /** Warp or block synchronisation that cannot complete (deadlock, exited lane in a member mask). */
        SYNC("synccheck"),
        /** A launch the driver refuses before running anything. */
        LAUNCH("launch");

        final String label;

        Kind(String label) { this.label = label; }
    }

    private final Kind kind;

    public KernelFault(Kind kind, String message) {
        super(kind.label + ": " + message);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
