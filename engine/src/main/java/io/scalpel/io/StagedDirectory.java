package io.scalpel.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Creates an output directory all at once: its files are written into a hidden sibling, which is
 * renamed to the final name only when everything succeeded. A failure leaves nothing behind, and an
 * existing directory is refused before any work starts.
 */
public final class StagedDirectory {
    private StagedDirectory() {}

    /** Fills a directory that is not yet visible under its final name. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path staging) throws IOException;
    }

    /** Refuses an output directory that exists (one line, naming it). */
    public static void requireAbsent(Path out) {
        if (Files.exists(out)) throw new IllegalArgumentException(out + ": output directory exists; choose a new one (nothing was written)");
    }

    /** Writes {@code contents} into a staging directory beside {@code out}, then renames it to {@code out}. */
    public static void publish(Path out, Contents contents) {
        requireAbsent(out);
        Path target = out.toAbsolutePath().normalize();
        Path staging = null;
        Thread cleanup = null;
        try {
            Files.createDirectories(target.getParent());
            staging = StagingPaths.createDirectory(target.getParent(), "." + target.getFileName() + ".");
            cleanup = deleteOnInterrupt(staging);
            contents.writeInto(staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            staging = null;
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (staging != null) deleteRecursively(staging);
            if (cleanup != null) removeHook(cleanup);
        }
    }

    /**
     * Registers a shutdown hook that deletes {@code dir} if the JVM stops (Ctrl-C) before the caller
     * is done with it; the caller removes the hook with {@link #removeHook} once it cleaned up itself.
     */
    public static Thread deleteOnInterrupt(Path dir) {
        Thread hook = new Thread(() -> deleteRecursively(dir), "delete " + dir.getFileName());
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Removes a hook from {@link #deleteOnInterrupt}; harmless while the JVM is already shutting down. */
    public static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: only the hidden staging directory can remain
        }
    }
}
