package io.scalpel.surgery.data;

import java.util.Objects;

/**
 * One text with its class: {@link #AVOID} (1, the behaviour the edit should suppress, e.g. toxic) or
 * {@link #KEEP} (0). Class 1 is "avoid" because the probe direction is the class-1 weight row.
 */
public record LabelledText(String text, int label) {
    public static final int AVOID = 1;
    public static final int KEEP = 0;

    public LabelledText {
        Objects.requireNonNull(text, "text");
        if (label != AVOID && label != KEEP) throw new IllegalArgumentException("label must be 0 (keep) or 1 (avoid), got " + label);
    }
}
