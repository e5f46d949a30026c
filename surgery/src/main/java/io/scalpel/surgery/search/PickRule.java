package io.scalpel.surgery.search;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * How a search chooses the one candidate whose patch it writes. Both rules only ever pick a point of
 * the Pareto front (lower behaviour score and lower KL are both better), and both fall back rather than
 * fail, saying so in {@link Choice#reason()}.
 */
public enum PickRule {
    /**
     * The lowest primary behaviour score among the candidates whose KL(base ‖ edited) is at most
     * {@code maxKl}; ties go to the lower KL, then to the earlier candidate. When no candidate stays
     * within {@code maxKl}, the candidate with the lowest KL.
     */
    LOWEST_SCORE("lowest-score"),
    /**
     * The lowest KL among the candidates whose behaviour shift beats every one of their random
     * controls (the report's verdict rule: |Δ| > max|Δrandom| + 2·SE, intended sign); ties go to the
     * lower score. When none does, falls back to {@link #LOWEST_SCORE}.
     */
    LOWEST_KL("lowest-kl");

    private final String id;

    PickRule(String id) { this.id = id; }

    public String id() { return id; }

    public static PickRule fromId(String id) {
        for (PickRule r : values()) if (r.id.equals(id.toLowerCase(Locale.ROOT))) return r;
        throw new IllegalArgumentException("--pick must be lowest-score or lowest-kl, got \"" + id + "\"");
    }

    /** One candidate's numbers that the rules read. */
    public record Point(double score, double kl, boolean beyondControls) {}

    /** @param index into the list given to {@link #pick} */
    public record Choice(int index, String reason) {}

    public Choice pick(List<Point> points, double maxKl) {
        if (points.isEmpty()) throw new IllegalArgumentException("no candidates to pick from");
        Comparator<Integer> byScore = Comparator.<Integer>comparingDouble(i -> points.get(i).score())
                .thenComparingDouble(i -> points.get(i).kl()).thenComparingInt(i -> i);
        Comparator<Integer> byKl = Comparator.<Integer>comparingDouble(i -> points.get(i).kl())
                .thenComparingDouble(i -> points.get(i).score()).thenComparingInt(i -> i);
        if (this == LOWEST_KL) {
            var best = best(points, p -> p.beyondControls(), byKl);
            if (best >= 0) return new Choice(best, "lowest KL among the candidates that beat their random controls");
            Choice fallback = LOWEST_SCORE.pick(points, maxKl);
            return new Choice(fallback.index(), "no candidate beat its random controls; fell back to: " + fallback.reason());
        }
        var within = best(points, p -> p.kl() <= maxKl, byScore);
        if (within >= 0) return new Choice(within, String.format(Locale.ROOT, "lowest behaviour score with KL ≤ %.4g nats", maxKl));
        return new Choice(best(points, p -> true, byKl), String.format(Locale.ROOT,
                "no candidate kept KL ≤ %.4g nats; picked the lowest KL", maxKl));
    }

    private static int best(List<Point> points, Predicate<Point> eligible, Comparator<Integer> order) {
        int best = -1;
        for (int i = 0; i < points.size(); i++) {
            if (!eligible.test(points.get(i)) || Double.isNaN(points.get(i).score()) || Double.isNaN(points.get(i).kl())) continue;
            if (best < 0 || order.compare(i, best) < 0) best = i;
        }
        return best;
    }
}
