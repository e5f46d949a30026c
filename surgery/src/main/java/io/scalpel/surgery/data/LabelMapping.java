package io.scalpel.surgery.data;

import java.util.Locale;
import java.util.Set;

/**
 * How a label cell (CSV/TSV column or JSON field) maps to a class. Values are compared trimmed and
 * case-insensitively; a value in neither set is an error, so a typo in a column name or a
 * three-class file never silently becomes one class.
 */
public record LabelMapping(Set<String> avoidValues, Set<String> keepValues) {
    public LabelMapping {
        avoidValues = lower(avoidValues);
        keepValues = lower(keepValues);
        for (String v : avoidValues) {
            if (keepValues.contains(v)) throw new IllegalArgumentException("label value '" + v + "' is mapped to both classes");
        }
    }

    /** 1/true → avoid, 0/false → keep (Jigsaw's {@code toxic}, ToxiGen-style 0/1 labels). */
    public static LabelMapping binary() {
        return new LabelMapping(Set.of("1", "1.0", "true"), Set.of("0", "0.0", "false"));
    }

    /**
     * 0/false → avoid, 1/true → keep: for SST-2 when the behaviour to avoid is negative sentiment
     * (SST-2 labels 0 negative, 1 positive), as in the paper's attitude experiment.
     */
    public static LabelMapping inverted() {
        LabelMapping b = binary();
        return new LabelMapping(b.keepValues(), b.avoidValues());
    }

    /** The class of {@code raw}, or -1 when it is in neither set. */
    public int classOf(String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        if (avoidValues.contains(v)) return LabelledText.AVOID;
        if (keepValues.contains(v)) return LabelledText.KEEP;
        return -1;
    }

    private static Set<String> lower(Set<String> values) {
        return Set.copyOf(values.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList());
    }
}
