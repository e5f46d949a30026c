package io.scalpel.surgery.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks labelled texts before any activation is collected: a probe trained on too few texts, on
 * identical classes or on a class that is one text repeated measures nothing, and on a 7B model finding
 * that out after the activations costs hours. Each problem is one sentence; the commands refuse to run
 * on any unless --force.
 */
public final class TrainingDataCheck {
    /** Fewer texts per class than this leave a validation split of one or two texts. */
    public static final int MIN_PER_CLASS = 16;
    /** More than this share of one class's distinct texts also in the other class makes the labels meaningless. */
    static final double MAX_OVERLAP = 0.5;

    private TrainingDataCheck() {}

    public static List<String> problems(List<LabelledText> texts) {
        List<String> avoid = new ArrayList<>(), keep = new ArrayList<>();
        for (LabelledText t : texts) (t.label() == LabelledText.AVOID ? avoid : keep).add(t.text().strip());
        List<String> out = new ArrayList<>();
        for (var c : List.of(new Object[]{"avoid", avoid}, new Object[]{"keep", keep})) {
            String name = (String) c[0];
            @SuppressWarnings("unchecked") List<String> xs = (List<String>) c[1];
            if (xs.size() < MIN_PER_CLASS) {
                out.add(String.format(Locale.ROOT, "only %d %s text%s; a probe needs at least %d per class", xs.size(), name,
                        xs.size() == 1 ? "" : "s", MIN_PER_CLASS));
            } else if (new HashSet<>(xs).size() == 1) {
                out.add("all " + xs.size() + " " + name + " texts are the same text");
            }
        }
        Set<String> a = new HashSet<>(avoid), k = new HashSet<>(keep);
        if (!a.isEmpty() && a.equals(k)) {
            out.add("the avoid and keep texts are identical (" + a.size() + " distinct texts in both classes)");
        } else if (!a.isEmpty() && !k.isEmpty()) {
            Set<String> both = new HashSet<>(a);
            both.retainAll(k);
            double share = (double) both.size() / Math.min(a.size(), k.size());
            if (share > MAX_OVERLAP) {
                out.add(String.format(Locale.ROOT, "%d texts (%.0f%% of the smaller class) appear in both classes", both.size(), 100 * share));
            }
        }
        return out;
    }
}
