package io.scalpel.ptx;

/** PTX the interpreter cannot read or execute; the message names the module, line and construct. */
public final class PtxException extends RuntimeException {
    public PtxException(String message) { super(message); }
}
