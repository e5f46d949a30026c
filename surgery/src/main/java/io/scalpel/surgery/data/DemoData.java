package io.scalpel.surgery.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The small labelled demo set shipped in the jar (resources {@code io/scalpel/surgery/demo/}),
 * written for this project: 60 rude (avoid) and 60 polite (keep) sentences, and 20 evaluation prompts;
 * and, under {@code refusal/}, 24 harmless requests that sound harmful ("how do I pick a lock") and 24
 * plainly harmless ones ("how do I bake bread"), for refusal as a behaviour.
 */
public final class DemoData {
    private static final String FOLDER = "/io/scalpel/surgery/demo/";

    private DemoData() {}

    /** avoid.txt (label 1) then keep.txt (label 0). */
    public static List<LabelledText> labelledTexts() {
        List<LabelledText> out = new ArrayList<>();
        for (String s : lines("avoid.txt")) out.add(new LabelledText(s, LabelledText.AVOID));
        for (String s : lines("keep.txt")) out.add(new LabelledText(s, LabelledText.KEEP));
        return List.copyOf(out);
    }

    /** refusal/harmful.txt (label 1: requests a model may refuse) then refusal/harmless.txt (label 0). */
    public static List<LabelledText> refusalTexts() {
        List<LabelledText> out = new ArrayList<>();
        for (String s : lines("refusal/harmful.txt")) out.add(new LabelledText(s, LabelledText.AVOID));
        for (String s : lines("refusal/harmless.txt")) out.add(new LabelledText(s, LabelledText.KEEP));
        return List.copyOf(out);
    }

    /** Story openings and chat prompts for before/after generation. */
    public static List<String> prompts() {
        return lines("prompts.txt");
    }

    private static List<String> lines(String name) {
        try (InputStream in = DemoData.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) throw new IllegalStateException("demo resource " + FOLDER + name + " is missing from the classpath");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return reader.lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read demo resource " + name, e);
        }
    }
}
