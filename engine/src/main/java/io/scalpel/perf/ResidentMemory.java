package io.scalpel.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: mapped checkpoint
 * pages count once touched, which is what "memory at the checkpoint's size" is about. -1 elsewhere.
 */
public record ResidentMemory(long residentBytes, long peakResidentBytes) {

    public static ResidentMemory now() {
        try {
            long rss = -1, hwm = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) rss = kilobytes(line);
                else if (line.startsWith("VmHWM:")) hwm = kilobytes(line);
            }
            return new ResidentMemory(rss, hwm);
        } catch (IOException | RuntimeException e) {
            return new ResidentMemory(-1, -1);
        }
    }

    private static long kilobytes(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }
}
