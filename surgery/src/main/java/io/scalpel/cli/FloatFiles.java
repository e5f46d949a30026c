package io.scalpel.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Raw float32 little-endian files, written to a temporary file and moved into place (never half-written). */
final class FloatFiles {
    private FloatFiles() {}

    /** Refuses an existing output before any work starts (every command's rule). */
    static void requireAbsent(Path out) {
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new path (nothing was written)");
    }

    static void writeAtomically(Path out, float[] data) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = io.scalpel.io.StagingPaths.createFile(dir, "." + out.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bb = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : data) {
                    if (!bb.hasRemaining()) {
                        bb.flip();
                        while (bb.hasRemaining()) ch.write(bb);
                        bb.clear();
                    }
                    bb.putFloat(f);
                }
                bb.flip();
                while (bb.hasRemaining()) ch.write(bb);
            }
            if (Files.exists(out)) throw new java.nio.file.FileAlreadyExistsException(out.toString());
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            tmp.toFile().delete();
            throw new UncheckedIOException(out + ": exists; choose a new path (nothing was written)", e);
        } catch (IOException e) {
            if (tmp != null) tmp.toFile().delete();
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        }
    }
}
