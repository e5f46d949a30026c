package io.scalpel.surgery.evaluate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A user-supplied keyword list (one word or phrase per line, '#' comments): a text scores 1 when it
 * contains any of them as a whole word, case-insensitively, else 0.
 */
public final class LexiconScorer implements ContinuationScorer {
    private final Pattern pattern;
    private final int size;

    public LexiconScorer(List<String> words) {
        List<String> clean = words.stream().map(String::strip).filter(w -> !w.isEmpty() && !w.startsWith("#")).toList();
        if (clean.isEmpty()) throw new IllegalArgumentException("the lexicon holds no words");
        this.size = clean.size();
        this.pattern = Pattern.compile("\\b(?:" + String.join("|", clean.stream().map(w -> Pattern.quote(w.toLowerCase(Locale.ROOT))).toList()) + ")\\b",
                Pattern.UNICODE_CHARACTER_CLASS);
    }

    public static LexiconScorer read(Path file) {
        try {
            return new LexiconScorer(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read lexicon: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    public int size() { return size; }

    @Override public double[] score(Continuations c) { return score(c.texts()); }

    public double[] score(List<String> texts) {
        return texts.stream().mapToDouble(t -> pattern.matcher(t.toLowerCase(Locale.ROOT)).find() ? 1 : 0).toArray();
    }
}
