package io.scalpel.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's read-only data beside the checkout ({@code ../shared}). Where it is absent a
 * test skips with a visible reason; with {@code SCALPEL_REQUIRE_SHARED=1} (as CI sets) it fails instead.
 */
public final class SharedData {
    private SharedData() {}

    /** The shared folder: system property {@code scalpel.shared}, else {@code ../shared} of the working dir, searched upwards. */
    public static Path root() {
        String prop = System.getProperty("scalpel.shared");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop).toAbsolutePath().normalize();
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared");
            if (Files.isDirectory(candidate.resolve("golden"))) return candidate;
        }
        return dir.resolve("../shared").normalize();
    }

    /** A file or folder under the shared folder; skips (or fails when required) if it is missing. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String reason = "shared data missing: " + p + " (tests that need ../shared skip without it)";
            if ("1".equals(System.getenv("SCALPEL_REQUIRE_SHARED"))) {
                throw new AssertionError(reason + "; SCALPEL_REQUIRE_SHARED=1 makes this a failure");
            }
            Assumptions.abort(reason);
        }
        return p;
    }
}
