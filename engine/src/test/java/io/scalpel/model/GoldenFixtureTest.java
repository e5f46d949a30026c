package io.scalpel.model;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU engine against every fixture of ../shared/golden, produced by an independent float64 implementation. */
class GoldenFixtureTest {
    private static CpuBackend backend;

    @BeforeAll static void start() { backend = new CpuBackend(2, 0); }

    @AfterAll static void stop() { backend.close(); }

    static java.util.stream.Stream<String> fixtures() { return GoldenFixture.names(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void logitsOfEveryPositionMatch(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        try (Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(f.inputIds().length + 8, 7)) {
            float[] logits = s.forwardAllLogits(f.inputIds(), null);
            double err = GoldenFixture.relativeL2(logits, f.logits());
            assertTrue(err <= f.logitsTolerance(), name + ": logits rel L2 " + err + " > " + f.logitsTolerance());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void hiddenStatesMatch(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        int[] ids = f.inputIds();
        try (Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session s = model.newSession(ids.length)) {
            int L = ck.config().layers(), D = ck.config().dim(), T = ids.length;
            float[] hidden = new float[(L + 1) * T * D];
            float[] prenorm = new float[T * D];
            s.forward(ids, new HiddenStateListener() {
                @Override public boolean wants(int index) { return true; }
                @Override public boolean wantsLastLayerPrenorm() { return true; }
                @Override public void accept(int index, int position, float[] rows, int rowCount, int dim) {
                    float[] dst = index < 0 ? prenorm : hidden;
                    int base = index < 0 ? 0 : index * T * D;
                    System.arraycopy(rows, 0, dst, base + position * D, rowCount * dim);
                }
            });
            double err = GoldenFixture.relativeL2(hidden, f.hiddenStates());
            assertTrue(err <= f.logitsTolerance(), name + ": hidden states rel L2 " + err);
            double errPre = GoldenFixture.relativeL2(prenorm, f.lastLayerPrenorm());
            assertTrue(errPre <= f.logitsTolerance(), name + ": last layer prenorm rel L2 " + errPre);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void greedyContinuationMatchesTokenForToken(String name) {
        GoldenFixture f = GoldenFixture.load(name);
        int[] got = f.runGreedy(backend);
        assertArrayEquals(f.greedyTokens(), got, name + ": greedy " + Arrays.toString(got));
    }
}
