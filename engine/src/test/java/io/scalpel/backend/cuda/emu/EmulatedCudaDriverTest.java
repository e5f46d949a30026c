package io.scalpel.backend.cuda.emu;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaError;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.DeviceAttribute;
import io.scalpel.backend.cuda.driver.FunctionAttribute;
import io.scalpel.backend.cuda.driver.KernelArgs;
import io.scalpel.backend.cuda.driver.KernelParam;
import io.scalpel.backend.cuda.driver.KernelSignature;
import io.scalpel.kernels.PtxModule;
import io.scalpel.ptx.Sanitizers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CudaDriver contract on the interpreter: device queries, module errors, sticky kernel faults, capture rules, graph replay. */
class EmulatedCudaDriverTest {

    private static final KernelSignature ADD = KernelSignature.of("add", KernelParam.POINTER, KernelParam.POINTER, KernelParam.LONG);

    private EmulatedCudaDriver driver;
    private CudaDriver.Context context;

    @BeforeEach
    void open() {
        driver = new EmulatedCudaDriver(Sanitizers.ALL);
        driver.init();
        context = driver.retainPrimaryContext(0);
        driver.setCurrent(context);
    }

    private CudaDriver.Function add() {
        return driver.function(driver.loadModule(PtxModule.RESIDUAL.load().text()), "add");
    }

    private long upload(float[] values, CudaDriver.Stream stream) {
        long p = driver.allocate(4L * values.length);
        CudaDriver.HostMemory h = driver.allocateHost(4L * values.length);
        for (int i = 0; i < values.length; i++) h.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
        driver.copyHostToDevice(p, h, 0, 4L * values.length, stream);
        return p;
    }

    private float[] download(long p, int n, CudaDriver.Stream stream) {
        CudaDriver.HostMemory h = driver.allocateHost(4L * n);
        driver.copyDeviceToHost(h, 0, p, 4L * n, stream);
        driver.synchronize(stream);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = h.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
        return out;
    }

    @Test
    void reportsAnH200LikeDevice() {
        assertEquals(1, driver.deviceCount());
        assertEquals(9, driver.deviceAttribute(0, DeviceAttribute.COMPUTE_CAPABILITY_MAJOR));
        assertEquals(132, driver.deviceAttribute(0, DeviceAttribute.MULTIPROCESSOR_COUNT));
        assertEquals(232448, driver.deviceAttribute(0, DeviceAttribute.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
        assertEquals(CudaError.INVALID_DEVICE.code(), assertThrows(CudaFailure.class, () -> driver.deviceName(1)).result());
    }

    @Test
    void modulesFailWithTheDriversCodes() {
        String newer = PtxModule.RESIDUAL.load().text().replace(".version 9.0", ".version 9.9");
        assertEquals(CudaError.UNSUPPORTED_PTX_VERSION.code(), assertThrows(CudaFailure.class, () -> driver.loadModule(newer)).result());
        String bad = PtxModule.RESIDUAL.load().text().replaceFirst("add\\.s64", "frobnicate.s64");
        CudaFailure f = assertThrows(CudaFailure.class, () -> driver.loadModule(bad));
        assertEquals(CudaError.INVALID_PTX.code(), f.result());
        assertTrue(f.getMessage().contains("frobnicate.s64 (unknown opcode)"), f.getMessage());
        CudaDriver.Module m = driver.loadModule(PtxModule.RESIDUAL.load().text());
        assertEquals(CudaError.NOT_FOUND.code(), assertThrows(CudaFailure.class, () -> driver.function(m, "nope")).result());
        assertEquals(1024, driver.functionAttribute(driver.function(m, "add"), FunctionAttribute.MAX_THREADS_PER_BLOCK));
    }

    @Test
    void aKernelFaultIsStickyAndReportedAtTheNextSynchronisingCall() {
        CudaDriver.Stream s = driver.createStream();
        long x = upload(new float[] {1, 2, 3}, s), y = upload(new float[] {10, 20, 30}, s);
        KernelArgs args = KernelArgs.of(ADD).pointer("x", x).pointer("y", y).int64("n", 4); // one element too many
        driver.launch(add(), 1, 1, 1, 32, 1, 1, 0, s, args); // asynchronous: the launch itself succeeds
        CudaFailure f = assertThrows(CudaFailure.class, () -> driver.synchronize(s));
        assertEquals(CudaError.ILLEGAL_ADDRESS.code(), f.result());
        assertTrue(f.getMessage().contains("memcheck: kernel add block (0,0,0) thread (3,0,0)"), f.getMessage());
        assertEquals(CudaError.ILLEGAL_ADDRESS.code(), assertThrows(CudaFailure.class, () -> driver.allocate(16)).result(), "sticky");
    }

    @Test
    void launchesAreCheckedSynchronously() {
        CudaDriver.Stream s = driver.createStream();
        long x = upload(new float[] {1}, s);
        CudaFailure f = assertThrows(CudaFailure.class, () -> driver.launch(add(), 1, 1, 1, 2048, 1, 1, 0, s,
                KernelArgs.of(ADD).pointer("x", x).pointer("y", x).int64("n", 1)));
        assertEquals(CudaError.INVALID_VALUE.code(), f.result());
        assertEquals(CudaError.INVALID_VALUE.code(), assertThrows(CudaFailure.class, () -> driver.launch(add(), 1, 1, 1, 32, 1, 1, 0, s,
                KernelArgs.of(ADD).pointer("x", x))).result(), "incomplete arguments");
    }

    @Test
    void aCapturedGraphReplaysWithTheCapturedArgumentsAndHostBytesReadAtReplay() {
        CudaDriver.Stream s = driver.createStream();
        long x = upload(new float[] {1, 2}, s);
        long y = driver.allocate(8);
        CudaDriver.HostMemory staging = driver.allocateHost(8);
        KernelArgs args = KernelArgs.of(ADD).pointer("x", x).pointer("y", y).int64("n", 2);
        driver.beginCapture(s);
        driver.copyHostToDevice(y, staging, 0, 8, s);
        driver.launch(add(), 1, 1, 1, 32, 1, 1, 0, s, args);
        args.reset().pointer("x", y).pointer("y", y).int64("n", 2); // reusing the object must not change the capture
        assertEquals(CudaError.STREAM_CAPTURE_UNSUPPORTED.code(), assertThrows(CudaFailure.class, () -> driver.allocate(4)).result());
        assertEquals(CudaError.STREAM_CAPTURE_INVALIDATED.code(), assertThrows(CudaFailure.class, () -> driver.endCapture(s)).result());

        driver.beginCapture(s);
        driver.copyHostToDevice(y, staging, 0, 8, s);
        driver.launch(add(), 1, 1, 1, 32, 1, 1, 0, s, KernelArgs.of(ADD).pointer("x", x).pointer("y", y).int64("n", 2));
        CudaDriver.GraphExec g = driver.instantiate(driver.endCapture(s));
        assertEquals(1f, download(x, 2, s)[0], "nothing ran during capture");
        for (int replay = 1; replay <= 3; replay++) {
            staging.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 0, replay * 100f);
            staging.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 1, 0f);
            driver.launchGraph(g, s);
        }
        // x += y three times, y read from the staging bytes at each replay: 1 + 100 + 200 + 300.
        assertEquals(601f, download(x, 2, s)[0]);
        assertEquals(2f, download(x, 2, s)[1]);
    }

    @Test
    void theProviderReadsTheSanitizerSetting() {
        assertEquals(Sanitizers.ALL, EmulatorProvider.sanitizers(null));
        assertEquals(Sanitizers.ALL, EmulatorProvider.sanitizers("all"));
        assertEquals(Sanitizers.MEMCHECK_ONLY, EmulatorProvider.sanitizers(" memcheck "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmulatorProvider.sanitizers("racecheck"));
        assertEquals("SCALPEL_EMU_SANITIZERS must be all or memcheck; got 'racecheck'", e.getMessage());
    }
}
