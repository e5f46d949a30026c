package io.scalpel.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BandwidthProbeTest {
    @Test
    void everyThreadCountReadsEveryByteExactlyOnce() {
        // Filled with byte 1: every 8-byte word is 0x0101010101010101, so the checksum is count × that (mod 2⁶⁴).
        try (BandwidthProbe probe = new BandwidthProbe(3 << 20)) {
            long expected = (probe.bytes() / 8) * 0x0101010101010101L;
            for (int threads = 1; threads <= 3; threads++) {
                for (int streams : new int[]{1, 4}) assertEquals(expected, probe.readOnce(threads, streams), threads + " threads, " + streams + " streams each");
            }
        }
    }

    @Test
    void reportsTheMedianOfItsTimedPassesForTheFasterPattern() {
        try (BandwidthProbe probe = new BandwidthProbe(1 << 20)) {
            BandwidthProbe.Result r = probe.measure(2, 3);
            assertTrue(r.streams() == 1 || r.streams() == 4, "streams per thread " + r.streams());
            assertEquals(3, r.passes().length);
            double[] sorted = r.passes().clone();
            java.util.Arrays.sort(sorted);
            assertEquals(sorted[1], r.gigabytesPerSecond());
            assertTrue(r.gigabytesPerSecond() > 0);
            assertEquals(2, r.threads());
        }
    }
}
