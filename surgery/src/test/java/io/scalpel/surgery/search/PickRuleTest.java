package io.scalpel.surgery.search;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PickRuleTest {
    // score, KL, beats controls
    private static final List<PickRule.Point> POINTS = List.of(
            new PickRule.Point(0.50, 0.01, false),  // 0: front (lowest KL)
            new PickRule.Point(0.40, 0.05, true),   // 1: front
            new PickRule.Point(0.45, 0.08, true),   // 2: dominated by 1
            new PickRule.Point(0.20, 0.90, true),   // 3: front (lowest score)
            new PickRule.Point(0.40, 0.05, false)); // 4: equal to 1 on both axes: neither dominates

    @Test void theFrontIsTheUndominatedPoints() {
        assertArrayEquals(new boolean[]{true, true, false, true, true}, ParetoFront.of(POINTS));
        assertArrayEquals(new boolean[]{false, true}, ParetoFront.of(List.of(new PickRule.Point(Double.NaN, 0, false), new PickRule.Point(1, 1, false))));
    }

    @Test void lowestScoreRespectsTheKlBoundAndFallsBackToTheLowestKl() {
        assertEquals(1, PickRule.LOWEST_SCORE.pick(POINTS, 0.1).index()); // 1 and 4 tie; the earlier wins
        assertEquals(3, PickRule.LOWEST_SCORE.pick(POINTS, 1.0).index());
        PickRule.Choice none = PickRule.LOWEST_SCORE.pick(POINTS, 0.001);
        assertEquals(0, none.index());
        assertTrue(none.reason().contains("no candidate kept KL"), none.reason());
    }

    @Test void lowestKlTakesOnlyCandidatesThatBeatTheirControls() {
        assertEquals(1, PickRule.LOWEST_KL.pick(POINTS, 0.1).index());
        List<PickRule.Point> noneBeat = POINTS.stream().map(p -> new PickRule.Point(p.score(), p.kl(), false)).toList();
        PickRule.Choice c = PickRule.LOWEST_KL.pick(noneBeat, 0.1);
        assertEquals(1, c.index());
        assertTrue(c.reason().startsWith("no candidate beat its random controls"), c.reason());
        assertEquals(PickRule.LOWEST_KL, PickRule.fromId("lowest-kl"));
    }
}
