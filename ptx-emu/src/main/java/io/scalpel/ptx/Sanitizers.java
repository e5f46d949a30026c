package io.scalpel.ptx;

/**
 * Which checks a launch runs. Memcheck (every global/shared access inside an allocation, aligned) is always on:
 * the interpreter has nothing to read outside one. Racecheck tracks, per shared byte, the last writer and
 * readers since the last barrier; initcheck fails a global read of a byte never written by a copy, memset or
 * store. Both cost time, so they are opt-in.
 */
public record Sanitizers(boolean racecheck, boolean initcheck) {
    public static final Sanitizers MEMCHECK_ONLY = new Sanitizers(false, false);
    public static final Sanitizers ALL = new Sanitizers(true, true);
}
