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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What one decode token costs the host, counted by {@link CountingCudaDriver} under the tests' driver (the
 * device, else the interpreter): exactly one host wait (reading the chosen id), no host-to-device bytes (the
 * id the next step embeds stays on the device), four bytes back, and the launches the forward pass needs.
 * Greedy text must still be the CPU's. Figures go to the report entry (docs/benchmarks.md quotes them).
 */
class CudaDecodeTrafficTest {

    /** Launches of one decode step with greedy choice: embed; per layer 16; final norm, logits, 2 for argmax. */
    static long expectedLaunches(ModelConfig c, boolean biases) {
        return 1 + (long) c.layers() * (16 + (biases ? 3 : 0)) + 1 + 1 + 2;
    }

    @Test
    void aGreedyDecodeTokenWaitsOnceAndUploadsNothing(TestReporter report) {
        GpuTestDriver.Target target = GpuTestSupport.requireDevice();
        GoldenFixture f = GoldenFixture.load("stories260K");
        int decodeTokens = 6;
        CountingCudaDriver counting = new CountingCudaDriver(target.driver());
        try (Checkpoint ck = Checkpoint.open(f.modelPath());
             CudaBackend gpu = CudaBackend.open(counting, CudaOptions.defaults());
             Transformer model = new Transformer(ck.config(), ck.weights(), gpu)) {
            int[] prompt = f.inputIds();
            try (var s = model.newSession(prompt.length + 1 + decodeTokens)) {  // warm-up: the backend's scratch grows here, once
                Generator.generate(s, prompt, 1 + decodeTokens, SamplingSettings.greedy(), -1, t -> {});
            }
            DriverCounts start = counting.counts();
            int[] one, more;
            try (var s = model.newSession(prompt.length + 1 + decodeTokens)) {
                one = Generator.generate(s, prompt, 1, SamplingSettings.greedy(), -1, t -> {}).tokens();
            }
            DriverCounts afterOne = counting.counts();
            try (var s = model.newSession(prompt.length + 1 + decodeTokens)) {
                more = Generator.generate(s, prompt, 1 + decodeTokens, SamplingSettings.greedy(), -1, t -> {}).tokens();
            }
            DriverCounts perRun = counting.counts().since(afterOne), firstRun = afterOne.since(start);
            // Same prompt, same session set-up: the second run's extra cost is its decode steps.
            DriverCounts decode = perRun.since(firstRun);
            report.publishEntry("decode token on " + target.kind(), "per " + decodeTokens + " tokens: " + decode.describe());
            assertEquals(decodeTokens, decode.syncs(), "one host wait per decode token: " + decode.describe());
            assertEquals(0, decode.hostToDevice(), "nothing uploaded per decode token: " + decode.describe());
            assertEquals(4L * decodeTokens, decode.deviceToHost(), "only the chosen id comes back: " + decode.describe());
            assertEquals(expectedLaunches(ck.config(), false) * decodeTokens, decode.launches(), decode.describe());
            assertEquals(0, decode.allocations(), "no device allocation in a decode step: " + decode.describe());
            assertEquals(0, decode.frees(), "no device free in a decode step: " + decode.describe());
            assertEquals(one[0], more[0]);
            try (CpuBackend cpu = new CpuBackend(1)) {
                assertArrayEquals(greedy(ck, cpu, prompt, 1 + decodeTokens), more, "greedy tokens on " + target.kind() + " vs the CPU");
            }
        }
    }

    private static int[] greedy(Checkpoint ck, Backend backend, int[] prompt, int n) {
        try (Transformer m = new Transformer(ck.config(), ck.weights(), backend); var s = m.newSession(prompt.length + n)) {
            return Generator.generate(s, prompt, n, SamplingSettings.greedy(), -1, t -> {}).tokens();
        }
    }
}
