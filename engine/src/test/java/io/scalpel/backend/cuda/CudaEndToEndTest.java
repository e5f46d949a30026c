package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole forward pass on the GPU against the golden fixtures and the CPU backend, greedy
 * continuations token for token, and the surgery's ops on a real model's resident gate weights.
 * Skips with "no CUDA device" where there is none.
 */
class CudaEndToEndTest extends GpuVsCpuTest {

    static Stream<String> fixtures() { return GoldenFixture.names(); }

    private static float[] logits(Backend b, Checkpoint ck, int[] ids) {
        try (Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            return logits(m, ids);
        }
    }

    private static float[] logits(Transformer m, int[] ids) {
        try (Session s = m.newSession(ids.length, 5)) {
            return s.forwardAllLogits(ids, null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void logitsMatchTheFixtureAndTheCpu(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        try (Checkpoint ck = Checkpoint.open(f.modelPath())) {
            float[] gpuLogits = logits(gpu, ck, f.inputIds());
            GpuTestSupport.assertClose(f.logits(), gpuLogits, f.logitsTolerance(), name + " GPU vs golden");
            GpuTestSupport.assertClose(logits(cpu, ck, f.inputIds()), gpuLogits, f.logitsTolerance(), name + " GPU vs CPU");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void greedyContinuationMatchesTokenForToken(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        assertArrayEquals(f.greedyTokens(), f.runGreedy(gpu), name + " greedy on the GPU");
    }

    /** Row cosines, the edit's bits and the exact revert on resident gate weights, GPU against CPU. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "llama_f16", "llama_bf16"})
    void surgeryOpsOnResidentGateWeights(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        try (Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer g = new Transformer(ck.config(), ck.weights(), gpu);
             Transformer c = new Transformer(ck.config(), ck.weights(), cpu)) {
            Random r = new Random(5);
            float[] v = new float[ck.config().dim()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.1);
            float[] before = logits(g, f.inputIds());
            int[] all = IntStream.range(0, ck.config().hiddenDim()).toArray();
            for (int l = 0; l < ck.config().layers(); l++) {
                Weight gw = g.gateWeights().get(l), cw = c.gateWeights().get(l);
                GpuTestSupport.assertClose(cosines(cpu, cw, v), cosines(gpu, gw, v), 1e-5, name + " layer " + l + " row cosines");
                int[] rows = {0, 3, all.length - 1};
                byte[] original = gpu.readRows(gw, all);
                assertArrayEquals(cpu.readRows(cw, all), original, "resident bits equal");
                try (Buffer gv = gpu.allocate(v.length); Buffer cv = cpu.allocate(v.length)) {
                    gpu.write(gv, v);
                    cpu.write(cv, v);
                    gpu.addToRows(gw, rows, gv, 1.08f);
                    cpu.addToRows(cw, rows, cv, 1.08f);
                }
                assertArrayEquals(cpu.readRows(cw, all), gpu.readRows(gw, all), name + " layer " + l + " edited bits");
                gpu.writeRows(gw, all, original);
                cpu.writeRows(cw, all, original);
            }
            assertArrayEquals(before, logits(g, f.inputIds()), name + ": logits after restoring every row");
            assertTrue(before.length > 0);
        }
    }

    private static float[] cosines(Backend b, Weight w, float[] v) {
        try (Buffer vb = b.allocate(v.length); Buffer out = b.allocate(w.rows())) {
            b.write(vb, v);
            b.rowCosines(out, w, vb);
            float[] host = new float[w.rows()];
            b.read(out, host);
            return host;
        }
    }
}
