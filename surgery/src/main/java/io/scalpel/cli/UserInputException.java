package io.scalpel.cli;

/** Bad input from the command line (a missing option value, an inconsistent combination): exit code 2, one line. */
public final class UserInputException extends RuntimeException {
    public UserInputException(String message) { super(message); }
}
