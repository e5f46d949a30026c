package io.scalpel.surgery.evaluate;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.testing.GoldenFixture;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NextTokenKlTest {

    @Test void klOfTwoHandWrittenDistributions() {
        // p = (1/2, 1/2), q = (1/4, 3/4): KL = ½·ln 2 + ½·ln(2/3) = 0.1438410362...
        float[] logP = {(float) Math.log(0.5), (float) Math.log(0.5)};
        float[] logQ = {(float) Math.log(0.25), (float) Math.log(0.75)};
        assertEquals(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), NextTokenKl.kl(logP, logQ, 0, 2), 1e-7);
        assertEquals(0.0, NextTokenKl.kl(logP, logP, 0, 2));
    }

    @Test void theUneditedModelAgainstItselfIsExactlyZeroAndAnEditMatchesAPlainReference() {
        GoldenFixture f = GoldenFixture.load("llama_tiny_f32");
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(f.modelPath());
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            List<int[]> prompts = List.of(new int[]{1, 5, 9}, new int[]{1, 17}, new int[]{1, 3, 4, 8, 2});
            int n = 4;
            NextTokenKl.Reference ref = NextTokenKl.reference(model, prompts, n);
            assertEquals(0.0, NextTokenKl.mean(model, ref), "KL(base ‖ base) must be exactly 0");

            float[] v = new float[ck.config().dim()];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i + 1);
            int[][] rows = IntStream.range(0, 8).mapToObj(r -> new int[]{r % ck.config().layers(), r}).toArray(int[][]::new);
            double[][] baseLogits = allLogits(model, prompts, n);
            Surgeon surgeon = new Surgeon(model);
            Edit e = surgeon.apply(rows, v, 2f);
            double kl, expected;
            try {
                kl = NextTokenKl.mean(model, ref);
                expected = plainKl(baseLogits, allLogits(model, prompts, n), ck.config().vocabSize(), prompts, n);
            } finally {
                surgeon.revert(e);
            }
            assertTrue(kl > 1e-6, "an edit of 8 rows with α = 2 must move the distributions, KL = " + kl);
            assertEquals(expected, kl, 1e-5 * expected);
            assertEquals(0.0, NextTokenKl.mean(model, ref), "after revert the model is the base again");
        }
    }

    /** Teacher-forced logits of prompt + the base's greedy continuation, computed here independently of NextTokenKl. */
    private double[][] allLogits(Transformer model, List<int[]> prompts, int n) {
        double[][] out = new double[prompts.size()][];
        try (Session s = model.newSession(64)) {
            for (int i = 0; i < prompts.size(); i++) {
                int[] in = teacherInput(model, prompts.get(i), n);
                s.reset();
                float[] l = s.forwardAllLogits(in, null);
                out[i] = IntStream.range(0, l.length).mapToDouble(k -> l[k]).toArray();
            }
        }
        return out;
    }

    private final java.util.Map<String, int[]> baseContinuations = new java.util.HashMap<>();

    private int[] teacherInput(Transformer model, int[] prompt, int n) {
        // The base's continuation is fixed by the first (unedited) call, so the edited model reads the same tokens.
        int[] c = baseContinuations.computeIfAbsent(Arrays.toString(prompt), k -> {
            try (Session s = model.newSession(64)) {
                return Generator.generate(s, prompt, n, SamplingSettings.greedy(), -1, t -> {}).tokens();
            }
        });
        int[] in = Arrays.copyOf(prompt, prompt.length + n - 1);
        System.arraycopy(c, 0, in, prompt.length, n - 1);
        return in;
    }

    private static double plainKl(double[][] base, double[][] edited, int vocab, List<int[]> prompts, int n) {
        double sum = 0;
        for (int i = 0; i < prompts.size(); i++) {
            double perPrompt = 0;
            for (int t = 0; t < n; t++) {
                int off = (prompts.get(i).length - 1 + t) * vocab;
                double[] p = softmax(base[i], off, vocab), q = softmax(edited[i], off, vocab);
                for (int v = 0; v < vocab; v++) perPrompt += p[v] * Math.log(p[v] / q[v]);
            }
            sum += perPrompt / n;
        }
        return sum / prompts.size();
    }

    private static double[] softmax(double[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double[] p = new double[n];
        double z = 0;
        for (int i = 0; i < n; i++) z += p[i] = Math.exp(x[off + i] - max);
        for (int i = 0; i < n; i++) p[i] /= z;
        return p;
    }
}
