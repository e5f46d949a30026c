package io.scalpel.testing;

import java.util.Random;

/** Token sequences of chosen lengths for tests that need texts of mixed lengths: BOS (1) first, then seeded random ids. */
public final class RandomTexts {
    private RandomTexts() {}

    public static int[][] of(int vocab, long seed, int... lengths) {
        Random random = new Random(seed);
        int[][] texts = new int[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            texts[i] = new int[lengths[i]];
            texts[i][0] = 1;
            for (int t = 1; t < lengths[i]; t++) texts[i][t] = random.nextInt(vocab);
        }
        return texts;
    }
}
