package io.scalpel.surgery.search;

import java.util.List;

/** The candidates no other candidate beats on both axes at once (lower behaviour score and lower KL are both better). */
public final class ParetoFront {
    private ParetoFront() {}

    /** @return for each point, whether it is on the front; a point with a NaN coordinate never is */
    public static boolean[] of(List<PickRule.Point> points) {
        boolean[] front = new boolean[points.size()];
        for (int i = 0; i < points.size(); i++) {
            PickRule.Point p = points.get(i);
            if (Double.isNaN(p.score()) || Double.isNaN(p.kl())) continue;
            boolean dominated = false;
            for (int j = 0; j < points.size() && !dominated; j++) {
                PickRule.Point q = points.get(j);
                if (j == i || Double.isNaN(q.score()) || Double.isNaN(q.kl())) continue;
                dominated = q.score() <= p.score() && q.kl() <= p.kl() && (q.score() < p.score() || q.kl() < p.kl());
            }
            front[i] = !dominated;
        }
        return front;
    }
}
