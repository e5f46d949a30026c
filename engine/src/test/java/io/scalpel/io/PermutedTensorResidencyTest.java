package io.scalpel.io;

import io.scalpel.synth.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A GGUF llama's q/k matrices are permuted into memory of their own at load; the mapped pages the copy
 * read must not stay resident beside it. Measured with Linux's per-mapping resident size
 * ({@code /proc/self/smaps}), which counts a file page once this process has it mapped in.
 */
class PermutedTensorResidencyTest {
    @TempDir Path dir;

    @Test
    void theMappedPagesOfPermutedQkAreNotLeftResident() throws IOException {
        Path smaps = Path.of("/proc/self/smaps");
        assumeTrue(Files.isReadable(smaps), "no /proc/self/smaps (not Linux): per-mapping residency cannot be read");
        var spec = SyntheticCheckpoint.Spec.parse("dim=512,hidden=256,layers=2,heads=8,kv=8,vocab=256,seq=64", "q8_0", "gguf", 5);
        Path file = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()), 1).toRealPath();
        try (Checkpoint ck = Checkpoint.open(file)) {
            long qk = 0;
            for (var l : ck.weights().layers()) qk += l.wq().data().byteSize() + l.wk().data().byteSize();
            long resident = mappedResidentBytes(smaps, file);
            // q and k are 4 of the file's 1.2 MB; what stays mapped in is the header and the pages around it.
            assertTrue(resident < qk / 4, "the file's mapping holds " + resident + " resident bytes after load; q/k alone are " + qk);
        }
    }

    /** Sum of the Rss lines of every mapping of {@code file}. */
    private static long mappedResidentBytes(Path smaps, Path file) throws IOException {
        List<String> lines = Files.readAllLines(smaps);
        long kb = 0;
        boolean inFile = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) inFile = line.endsWith(" " + file);
            else if (inFile && line.startsWith("Rss:")) kb += Long.parseLong(line.replaceAll("\\D", ""));
        }
        return kb * 1024;
    }
}
