package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.evaluate.Perplexity;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.testing.SharedData;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can honestly be required of the surgery on the 64-dimensional stories260K: an edit of K = 40
 * rows with ‖v‖ ≈ 0.6 and α = ±1 changes nearly every greedy continuation of story openings while
 * perplexity on TinyStories rises only a little — for any direction, probe or random alike — and
 * |α| = 4 breaks the model. (Whether the probe direction does more than random ones is measured by the
 * report, and on this model it does not.)
 */
class SurgeryEffectOnStories260KTest {

    static List<String> storyOpenings(String text, int count) {
        List<String> out = new ArrayList<>();
        for (String sentence : text.replace("<|endoftext|>", " ").split("(?<=[.!?])\\s+")) {
            String[] words = sentence.strip().split("\\s+");
            if (words.length >= 6) out.add(String.join(" ", Arrays.copyOf(words, 4)));
            if (out.size() == count) break;
        }
        return out;
    }

    private static float[] direction(int dim, double norm, long seed) {
        Random r = new Random(seed);
        float[] v = new float[dim];
        double n = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) r.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) v[i] *= (float) (norm / Math.sqrt(n));
        return v;
    }

    private static List<int[]> continuations(Transformer m, List<int[]> prompts) {
        List<int[]> out = new ArrayList<>();
        try (Session s = m.newSession(96)) {
            for (int[] p : prompts) {
                s.reset();
                out.add(Generator.generate(s, p, 64, SamplingSettings.greedy(), -1, t -> {}).tokens());
            }
        }
        return out;
    }

    @Test
    void editChangesContinuationsWithoutBreakingTheModelAndLargeAlphaBreaksIt() throws IOException {
        String sample = Files.readString(SharedData.require("data/tinystories/tinystories_sample.txt"));
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(SharedData.require("models/stories260K/stories260K.bin"));
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            Tokenizer tok = TokenizerLoader.load(SharedData.require("models/stories260K/tok512.bin"));
            List<String> openings = storyOpenings(sample, 40);
            assertTrue(openings.size() == 40, "need 40 story openings, found " + openings.size());
            List<int[]> prompts = openings.stream().map(o -> tok.encode(o, true)).toList();
            int[] text = tok.encode(sample.replace("<|endoftext|>", "\n"), false);
            List<int[]> base = continuations(model, prompts);
            double baseNll = Perplexity.meanNll(model, text, tok.bosId(), 256, 8);
            Surgeon surgeon = new Surgeon(model);
            for (long seed = 1; seed <= 3; seed++) {
                float[] v = direction(ck.config().dim(), 0.6, seed);
                int[][] rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(model, v)), 40).rows();
                for (float alpha : new float[]{1f, -1f}) {
                    Edit e = surgeon.apply(rows, v, alpha);
                    List<int[]> after = continuations(model, prompts);
                    double nll = Perplexity.meanNll(model, text, tok.bosId(), 256, 8);
                    surgeon.revert(e);
                    int changed = 0;
                    for (int i = 0; i < base.size(); i++) if (!Arrays.equals(base.get(i), after.get(i))) changed++;
                    String what = "seed " + seed + ", alpha " + alpha + ": " + changed + "/40 changed, Δnll " + (nll - baseNll);
                    assertTrue(changed >= 38, what);
                    assertTrue(nll - baseNll > -0.05 && nll - baseNll <= 0.3, what);
                }
                Edit broken = surgeon.apply(rows, v, 4f);
                double brokenNll = Perplexity.meanNll(model, text, tok.bosId(), 256, 8);
                surgeon.revert(broken);
                assertTrue(brokenNll - baseNll > 0.5, "alpha 4 should break the model: Δnll " + (brokenNll - baseNll));
            }
        }
    }
}
