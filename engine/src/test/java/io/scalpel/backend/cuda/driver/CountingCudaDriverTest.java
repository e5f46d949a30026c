package io.scalpel.backend.cuda.driver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The counting decorator: launches, syncs and bytes, with graph replays counted as the work they repeat. */
class CountingCudaDriverTest {
    private static final KernelSignature ADD = KernelSignature.of("add", KernelParam.POINTER, KernelParam.POINTER, KernelParam.LONG);

    @Test
    void countsDirectWorkAndGraphReplays() {
        FakeCudaDriver fake = new FakeCudaDriver();
        CountingCudaDriver d = new CountingCudaDriver(fake);
        CudaDriver.Stream s = d.createStream();
        CudaDriver.Function add = d.function(d.loadModule(".version 9.0"), "add");
        CudaDriver.HostMemory host = d.allocateHost(64);
        long a = d.allocate(64), b = d.allocate(64);
        KernelArgs args = KernelArgs.of(ADD).pointer("x", a).pointer("y", b).int64("n", 16);

        d.copyHostToDevice(a, host, 0, 64, s);
        d.launch(add, 1, 1, 1, 32, 1, 1, 0, s, args);
        d.copyDeviceToHost(host, 0, a, 4, s);
        d.synchronize(s);
        DriverCounts direct = d.counts();
        assertEquals(new DriverCounts(1, 0, 1, 1, 64, 4, 1, 1, 2, 0), direct);

        d.beginCapture(s);
        d.launch(add, 1, 1, 1, 32, 1, 1, 0, s, args);
        d.launch(add, 1, 1, 1, 32, 1, 1, 0, s, args);
        d.copyDeviceToHost(host, 0, b, 8, s);
        CudaDriver.Graph g = d.endCapture(s);
        CudaDriver.GraphExec exec = d.instantiate(g);
        DriverCounts captured = d.counts().since(direct);
        assertEquals(new DriverCounts(2, 0, 0, 0, 0, 0, 0, 0, 0, 0), captured, "capture runs nothing");

        for (int i = 0; i < 3; i++) d.launchGraph(exec, s);
        d.synchronize(s);
        DriverCounts replays = d.counts().since(direct).since(captured);
        assertEquals(new DriverCounts(0, 3, 6, 1, 0, 24, 0, 3, 0, 0), replays, "each replay repeats 2 kernels and one 8-byte read");
        assertEquals(7, fake.launched().size(), "the fake ran the direct launch and 3 replays of 2");
    }
}
