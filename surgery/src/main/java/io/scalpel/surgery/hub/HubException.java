package io.scalpel.surgery.hub;

/** A model download that failed; the message is one line saying what to do. */
public class HubException extends RuntimeException {
    public HubException(String message) { super(message); }

    public HubException(String message, Throwable cause) { super(message, cause); }
}
