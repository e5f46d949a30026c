package io.scalpel.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hidden temporary siblings that outputs are written under before they are moved into place.
 * Unlike {@link Files#createTempFile}, which forces mode 0600 (0700 for directories), these are
 * created with the ordinary calls, so the finished output gets the permissions the user's umask
 * gives every other file.
 */
public final class StagingPaths {
    private StagingPaths() {}

    /** A new empty file {@code dir/<prefix><random><suffix>}. */
    public static Path createFile(Path dir, String prefix, String suffix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createFile(dir.resolve(prefix + randomPart() + suffix));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** A new empty directory {@code dir/<prefix><random>}. */
    public static Path createDirectory(Path dir, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createDirectory(dir.resolve(prefix + randomPart()));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private static String randomPart() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    }
}
