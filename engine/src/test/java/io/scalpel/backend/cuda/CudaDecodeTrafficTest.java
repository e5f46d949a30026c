package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.driver.CountingCudaDriver;
import io.scalpel.backend.cuda.driver.DriverCounts;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What one greedy decode token costs the host, counted by {@link CountingCudaDriver} under the tests' driver
 * (the device, else the interpreter), with and without the graph path: exactly one host wait (reading the
 * chosen id), no host-to-device bytes (the id the next step embeds stays on the device), four bytes back, no
 * allocation; launches as the forward pass needs them, or one graph launch plus argmax's two. The greedy
 * tokens must be the CPU's. The figures go to the test's report entry (docs/benchmarks.md quotes them).
 */
class CudaDecodeTrafficTest {

    /**
     * Kernels of one decode step as launched one by one: embed; per layer 13 (norm, fused QKV, 2 RoPE, 2 attention,
     * Wo, add, norm, fused gate/up, SwiGLU, down, add); final norm, logits; argmax's 2.
     */
    static long launchesPerStep(ModelConfig c) { return 1 + 13L * c.layers() + 2 + 2; }

    /** Kernels one replay of the captured step runs: embed; 14 per layer (K/V append added); final norm, logits; position advance. */
    static long graphKernels(ModelConfig c) { return 1 + 14L * c.layers() + 2 + 1; }

    @ParameterizedTest(name = "decode graphs {0}")
    @ValueSource(booleans = {false, true})
    void aGreedyDecodeTokenWaitsOnceAndUploadsNothing(boolean graphs, TestReporter report) {
        GpuTestDriver.Target target = GpuTestSupport.requireDevice();
        GoldenFixture f = GoldenFixture.load("stories260K");
        int steady = 6;
        CountingCudaDriver counting = new CountingCudaDriver(target.driver());
        try (Checkpoint ck = Checkpoint.open(f.modelPath());
             CudaBackend gpu = CudaBackend.open(counting, CudaOptions.defaults().withDecodeGraphs(graphs));
             Transformer model = new Transformer(ck.config(), ck.weights(), gpu)) {
            int[] prompt = f.inputIds();
            int capacity = prompt.length + 3 + steady;
            generate(model, prompt, 3 + steady, capacity);  // warm-up: the backend's scratch grows here, once
            DriverCounts start = counting.counts();
            generate(model, prompt, 3, capacity);  // prefill, then 2 decode steps (the first captures the graph)
            DriverCounts shortRun = counting.counts().since(start);
            DriverCounts beforeLong = counting.counts();
            int[] tokens = generate(model, prompt, 3 + steady, capacity);
            // Same prompt and set-up: the longer run's extra cost is its `steady` further decode steps.
            DriverCounts decode = counting.counts().since(beforeLong).since(shortRun);
            String line = "decode on " + target.kind() + (graphs ? " with graphs" : " without graphs") + ", " + ck.config().layers()
                    + " layers, per " + steady + " tokens: " + decode.describe();
            report.publishEntry("traffic", line);
            System.out.println(line);
            assertEquals(steady, decode.syncs(), "one host wait per decode token: " + decode.describe());
            assertEquals(0, decode.hostToDevice(), "nothing uploaded per decode token: " + decode.describe());
            assertEquals(4L * steady, decode.deviceToHost(), "only the chosen id comes back: " + decode.describe());
            assertEquals(0, decode.allocations() + decode.frees(), "no device allocation or free in a decode step: " + decode.describe());
            if (graphs) {
                assertEquals(steady, decode.graphLaunches(), decode.describe());
                assertEquals(2L * steady, decode.launches(), "only argmax's two kernels launched one by one: " + decode.describe());
                assertEquals((graphKernels(ck.config()) + 2) * steady, decode.kernelsRun(), decode.describe());
            } else {
                assertEquals(0, decode.graphLaunches(), decode.describe());
                assertEquals(launchesPerStep(ck.config()) * steady, decode.launches(), decode.describe());
                assertEquals(decode.launches(), decode.kernelsRun(), decode.describe());
            }
            try (CpuBackend cpu = new CpuBackend(1); Transformer onCpu = new Transformer(ck.config(), ck.weights(), cpu)) {
                assertArrayEquals(generate(onCpu, prompt, 3 + steady, capacity), tokens, "greedy tokens on " + target.kind() + " vs the CPU");
            }
        }
    }

    private static int[] generate(Transformer model, int[] prompt, int n, int capacity) {
        try (var s = model.newSession(capacity)) {
            return Generator.generate(s, prompt, n, SamplingSettings.greedy(), -1, t -> {}).tokens();
        }
    }
}
