package io.scalpel.surgery.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A seeded shuffle and split into training and validation parts, as the paper's 90/10 split. The
 * same list and seed always give the same split ({@link Random} is specified bit for bit).
 */
public record TrainValidationSplit<T>(List<T> train, List<T> validation) {
    public static final double DEFAULT_VALIDATION_SHARE = 0.1;

    public TrainValidationSplit {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /** 90/10 split. */
    public static <T> TrainValidationSplit<T> of(List<T> items, long seed) {
        return of(items, DEFAULT_VALIDATION_SHARE, seed);
    }

    /**
     * Shuffles a copy of {@code items} with {@code seed} and puts {@code round(n × share)} items in
     * validation — at least 1 when the share is positive and there are 2 or more items, so a
     * validation accuracy always exists, and never all of them.
     */
    public static <T> TrainValidationSplit<T> of(List<T> items, double validationShare, long seed) {
        if (!(validationShare >= 0 && validationShare < 1)) {
            throw new IllegalArgumentException("validation share must be in [0, 1), got " + validationShare);
        }
        List<T> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, new Random(seed));
        int n = shuffled.size();
        int nVal = (int) Math.round(n * validationShare);
        if (validationShare > 0 && n >= 2) nVal = Math.max(1, nVal);
        nVal = Math.min(nVal, Math.max(0, n - 1));
        return new TrainValidationSplit<>(shuffled.subList(nVal, n), shuffled.subList(0, nVal));
    }
}
