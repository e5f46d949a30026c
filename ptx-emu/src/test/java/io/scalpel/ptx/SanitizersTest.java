package io.scalpel.ptx;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static io.scalpel.ptx.EmulatedKernels.dim;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each sanitizer catches its planted bug (sanitizer-cases.ptx) with a report naming where, and passes the correct twin. */
class SanitizersTest {

    private static String cases() {
        try (InputStream in = SanitizersTest.class.getResourceAsStream("sanitizer-cases.ptx")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int lineOf(String text) {
        String[] lines = cases().split("\n");
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(text)) return i + 1;
        throw new AssertionError(text);
    }

    @Test
    void memcheckCatchesTheOverrunAndNamesKernelBlockThreadLineAddress() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.MEMCHECK_ONLY);
        int n = 40;
        long out = k.device.memory().allocate(4L * n);
        KernelFault f = assertThrows(KernelFault.class, () -> k.launch("fill_overrun", dim(1), dim(64), 0, a -> a.pointer(out).int32(n)));
        assertEquals(KernelFault.Kind.MEMCHECK, f.kind());
        int line = lineOf("st.global.f32 \t[%rd2], %f1;");
        assertEquals(String.format("memcheck: kernel fill_overrun block (0,0,0) thread (40,0,0), sanitizer-cases.ptx line %d (st.global.f32):"
                + " global write of 4 bytes at 0x%x is outside every allocation", line, out + 4L * n), f.getMessage());

        k.launch("fill", dim(1), dim(64), 0, a -> a.pointer(out).int32(n));
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = i;
        assertArrayEquals(expected, k.floats(out, n));
    }

    @Test
    void memcheckCatchesSharedAccessesPastTheBlocksSharedMemory() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.MEMCHECK_ONLY);
        long out = k.device.memory().allocate(4L * 65);
        // 65 floats of buf: thread 64 reads buf[65], one past the end.
        KernelFault f = assertThrows(KernelFault.class, () -> k.launch("shift", dim(1), dim(65), 0, a -> a.pointer(out)));
        assertTrue(f.getMessage().startsWith("memcheck: kernel shift block (0,0,0) thread (64,0,0), sanitizer-cases.ptx line "), f.getMessage());
        assertTrue(f.getMessage().endsWith("shared read of 4 bytes at offset 0x104 is outside the block's 260 bytes of shared memory"), f.getMessage());
    }

    @Test
    void racecheckCatchesTheMissingBarrier() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.ALL);
        long out = k.device.memory().allocate(4L * 64);
        KernelFault f = assertThrows(KernelFault.class, () -> k.launch("shift_racy", dim(1), dim(64), 0, a -> a.pointer(out)));
        assertEquals(KernelFault.Kind.RACECHECK, f.kind());
        // Thread 0 ran first and read buf[1]; thread 1's write of buf[1] is the conflicting access.
        assertEquals("racecheck: kernel shift_racy block (0,0,0) thread (1,0,0), sanitizer-cases.ptx line " + lineOf("st.shared.f32 \t[%r4], %f1;")
                + " (st.shared.f32): write of shared offset 0x4 races with a read by thread (0,0,0) since the last barrier", f.getMessage());

        k.launch("shift", dim(1), dim(64), 0, a -> a.pointer(out));
        float[] got = k.floats(out, 64);
        for (int i = 0; i < 63; i++) assertEquals(i + 1, got[i], "out[" + i + "]");
    }

    @Test
    void racecheckIsOffWhenNotAsked() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.MEMCHECK_ONLY);
        long out = k.device.memory().allocate(4L * 64);
        k.launch("shift_racy", dim(1), dim(64), 0, a -> a.pointer(out));
    }

    @Test
    void initcheckCatchesReadsOfNeverWrittenMemory() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.ALL);
        int n = 50;
        float[] host = new float[n];
        for (int i = 0; i < n; i++) host[i] = i * 0.5f;
        long in = k.device.memory().allocate(4L * n), out = k.device.memory().allocate(4L * n);
        k.device.memory().copyFromHost(in, MemorySegment.ofArray(host), 4L * 30); // elements 30.. never written
        KernelFault f = assertThrows(KernelFault.class, () -> k.launch("copy", dim(1), dim(64), 0, a -> a.pointer(out).pointer(in).int32(n)));
        assertEquals(KernelFault.Kind.INITCHECK, f.kind());
        assertEquals(String.format("initcheck: kernel copy block (0,0,0) thread (30,0,0), sanitizer-cases.ptx line %d (ld.global.f32):"
                + " read of 4 bytes at 0x%x: byte 0x%x was never written", lineOf("ld.global.f32"), in + 120, in + 120), f.getMessage());

        k.device.memory().copyFromHost(in, MemorySegment.ofArray(host), 4L * n);
        k.launch("copy", dim(1), dim(64), 0, a -> a.pointer(out).pointer(in).int32(n));
        assertArrayEquals(host, k.floats(out, n));
    }

    @Test
    void aWarpOperationNamingAnExitedLaneFails() {
        EmulatedKernels k = new EmulatedKernels("sanitizer-cases.ptx", cases(), Sanitizers.MEMCHECK_ONLY);
        long out = k.device.memory().allocate(4L * 32);
        KernelFault f = assertThrows(KernelFault.class, () -> k.launch("shuffle_after_exit", dim(1), dim(32), 0, a -> a.pointer(out)));
        assertEquals(KernelFault.Kind.SYNC, f.kind());
        assertTrue(f.getMessage().contains("thread (16,0,0)") && f.getMessage().endsWith("member mask 0xffffffff names lane 0, which has exited"), f.getMessage());
    }
}
