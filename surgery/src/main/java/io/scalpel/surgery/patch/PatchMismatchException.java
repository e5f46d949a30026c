package io.scalpel.surgery.patch;

/** A patch does not fit the loaded model. The message is one line naming every difference. */
public class PatchMismatchException extends RuntimeException {
    public PatchMismatchException(String message) { super(message); }
}
