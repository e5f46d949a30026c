package io.scalpel.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every throwable reaching the command line's boundary becomes one line and the right exit code (issue #11). */
class CommandFailureTest {

    @Test void aMappingThatShrankIsTheUsersInputProblem() {
        CommandFailure f = CommandFailure.of(new InternalError("a fault occurred in an unsafe memory access operation"), List.of(Path.of("m.gguf")));
        assertEquals(2, f.exitCode());
        assertTrue(f.line().contains("changed or truncated") && f.line().contains("m.gguf"), f.line());
    }

    @Test void errorsOfOursAreExitCode1WithoutAStackTrace() {
        CommandFailure oom = CommandFailure.of(new OutOfMemoryError("Java heap space"), List.of());
        assertEquals(1, oom.exitCode());
        assertTrue(oom.line().contains("-Xmx"), oom.line());
        assertEquals(1, CommandFailure.of(new NullPointerException("x"), List.of()).exitCode());
        assertEquals(1, CommandFailure.of(new InternalError("something else"), List.of()).exitCode());
    }

    @Test void fileSystemFailuresNameTheFile() {
        CommandFailure f = CommandFailure.of(new AccessDeniedException("/ro/out.gguf"), List.of());
        assertEquals(2, f.exitCode());
        assertEquals("/ro/out.gguf: permission denied (read-only or not yours?)", f.line());
        assertEquals(2, CommandFailure.of(new IOException("No space left on device"), List.of()).exitCode());
        assertEquals(2, CommandFailure.of(new UncheckedIOException("out: cannot write: disk full", new IOException()), List.of()).exitCode());
    }

    @Test void oneTrailingNewlineIsStripped() {
        assertEquals("hi", TokenizeCommand.stripOneNewline("hi\n"));
        assertEquals("hi\n", TokenizeCommand.stripOneNewline("hi\n\n"));
        assertEquals("hi", TokenizeCommand.stripOneNewline("hi\r\n"));
        assertEquals("hi", TokenizeCommand.stripOneNewline("hi"));
    }
}
