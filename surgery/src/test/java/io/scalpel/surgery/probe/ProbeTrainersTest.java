package io.scalpel.surgery.probe;

import io.scalpel.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ProbeTrainersTest {
    @TempDir Path dir;

    /** Two Gaussian clouds at ±separation/2 along a random unit direction, unit noise elsewhere. */
    static LabelledVectors gaussians(int n, int d, double separation, long seed, double[] directionOut) {
        Random rng = new Random(seed);
        double[] u = new double[d];
        double norm = 0;
        for (int j = 0; j < d; j++) { u[j] = rng.nextGaussian(); norm += u[j] * u[j]; }
        norm = Math.sqrt(norm);
        for (int j = 0; j < d; j++) u[j] /= norm;
        if (directionOut != null) System.arraycopy(u, 0, directionOut, 0, d);
        float[][] x = new float[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            double shift = (y[i] == 1 ? 0.5 : -0.5) * separation;
            for (int j = 0; j < d; j++) x[i][j] = (float) (rng.nextGaussian() + shift * u[j] + 0.3);
        }
        return new LabelledVectors(x, y);
    }

    @Test
    void logisticRegressionSeparatesGaussiansAndConverges() {
        int d = 24;
        double[] u = new double[d];
        var train = gaussians(600, d, 6, 1, u);
        var val = gaussians(200, d, 6, 1, null);
        Probe p = new LogisticRegressionProbeTrainer().train(train, val, 5);
        ProbeMetadata m = p.metadata();
        assertTrue(m.converged(), m.toString());
        assertTrue(m.iterations() < 30, m.toString());
        assertTrue(m.trainAccuracy() > 0.97, m.toString());
        assertTrue(m.validationAccuracy() > 0.95, m.toString());
        assertEquals(5, p.layer());
        assertTrue(VectorStatistics.cosine(VectorStatistics.widen(p.direction()), u) > 0.95, "direction should point along the class difference");
        // The 2-class mapping: rows are ±w/2.
        for (int j = 0; j < d; j++) assertEquals(-p.weight()[0][j], p.weight()[1][j]);
        assertTrue(Double.isNaN(m.distanceFromInit()));
    }

    @Test
    void primalAndKernelNewtonAgree() {
        var train = gaussians(40, 60, 3, 2, null); // fewer texts than dimensions, the usual probe case
        var empty = new LabelledVectors(new float[0][], new int[0]);
        var base = LogisticRegressionProbeTrainer.Settings.defaults().withL2(0.5);
        Probe primal = new LogisticRegressionProbeTrainer(base.withFormulation(LogisticRegressionProbeTrainer.Formulation.PRIMAL)).train(train, empty, 0);
        Probe kernel = new LogisticRegressionProbeTrainer(base.withFormulation(LogisticRegressionProbeTrainer.Formulation.KERNEL)).train(train, empty, 0);
        assertTrue(primal.metadata().converged() && kernel.metadata().converged());
        assertTrue(primal.directionCosine(kernel) > 0.999999, "cos " + primal.directionCosine(kernel));
        assertEquals(primal.metadata().directionNorm(), kernel.metadata().directionNorm(), 1e-5 * primal.metadata().directionNorm());
        assertEquals(primal.bias()[1], kernel.bias()[1], 1e-4);
        assertTrue(Double.isNaN(primal.metadata().validationAccuracy()));
        assertEquals(1.0, primal.metadata().trainAccuracy()); // 40 points in 60 dimensions are separable
    }

    @Test
    void adamLearnsWithALargerLearningRate() {
        var train = gaussians(400, 16, 5, 3, null);
        var val = gaussians(100, 16, 5, 3, null);
        var s = AdamProbeTrainer.Settings.paper().withLearningRate(1e-2).withEpochs(30);
        Probe p = new AdamProbeTrainer(s).train(train, val, 2);
        assertTrue(p.metadata().trainAccuracy() > 0.95, p.metadata().toString());
        assertTrue(p.metadata().validationAccuracy() > 0.9, p.metadata().toString());
        assertEquals(30 * 25, p.metadata().iterations());
    }

    @Test
    void adamWithPaperDefaultsBarelyMovesOnTinyData() {
        int d = 64, n = 40;
        var train = gaussians(n, d, 4, 4, null);
        var empty = new LabelledVectors(new float[0][], new int[0]);
        Probe p = new AdamProbeTrainer().train(train, empty, 0);
        ProbeMetadata m = p.metadata();
        int steps = 9 * 3; // ceil(40 / 16) = 3 batches an epoch
        assertEquals(steps, m.iterations());
        // Adam moves each coordinate by at most about lr per step.
        assertTrue(m.distanceFromInit() <= steps * 1e-4 * Math.sqrt(d) * 1.01, m.toString());
        assertTrue(m.distanceFromInit() / m.directionNorm() < 0.05, m.toString());
        assertTrue(m.initCosine() > 0.99, "the direction is still mostly its random initialisation: " + m);
    }

    @Test
    void firstAdamStepMovesEveryCoordinateByTheLearningRate() {
        // One full batch, one epoch: m̂/√v̂ = g/|g|, so each parameter moves by lr·(1 − ~eps/|g|).
        var train = gaussians(8, 5, 2, 5, null);
        var empty = new LabelledVectors(new float[0][], new int[0]);
        var s = AdamProbeTrainer.Settings.paper().withBatchSize(8).withEpochs(1).withLearningRate(1e-2);
        Probe p = new AdamProbeTrainer(s).train(train, empty, 0);
        assertEquals(1e-2 * Math.sqrt(5), p.metadata().distanceFromInit(), 1e-6);
    }

    @Test
    void adamIsSeeded() {
        var train = gaussians(50, 8, 2, 6, null);
        var empty = new LabelledVectors(new float[0][], new int[0]);
        Probe a = new AdamProbeTrainer().train(train, empty, 0);
        Probe b = new AdamProbeTrainer().train(train, empty, 0);
        Probe c = new AdamProbeTrainer(AdamProbeTrainer.Settings.paper().withSeed(1)).train(train, empty, 0);
        assertArrayEquals(a.direction(), b.direction());
        assertTrue(a.directionCosine(c) < 0.9);
    }

    @Test
    void saveLoadRoundTrip() {
        var train = gaussians(100, 12, 4, 7, null);
        Probe p = new AdamProbeTrainer().train(train, gaussians(20, 12, 4, 8, null), 31);
        Path file = dir.resolve("probe.safetensors");
        p.save(file, SafetensorsWriter.WriteMode.CREATE_NEW);
        Probe q = Probe.load(file);
        assertArrayEquals(p.weight()[0], q.weight()[0]);
        assertArrayEquals(p.direction(), q.direction());
        assertArrayEquals(p.bias(), q.bias());
        assertEquals(p.layer(), q.layer());
        assertEquals(p.metadata(), q.metadata());
        assertEquals(1.0, p.directionCosine(q), 1e-12);
    }

    @Test
    void rejectsOneClassTraining() {
        var x = new LabelledVectors(new float[][]{{1f}, {2f}}, new int[]{1, 1});
        var empty = new LabelledVectors(new float[0][], new int[0]);
        assertThrows(IllegalArgumentException.class, () -> new AdamProbeTrainer().train(x, empty, 0));
        assertThrows(IllegalArgumentException.class, () -> new LogisticRegressionProbeTrainer().train(x, empty, 0));
    }
}
