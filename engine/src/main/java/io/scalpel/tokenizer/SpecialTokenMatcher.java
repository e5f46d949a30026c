package io.scalpel.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds special and added tokens written in the input (e.g. {@code <|begin_of_text|>}) so they encode as
 * one id instead of being split like text: leftmost match first, the longest token where several start at
 * the same place (as Hugging Face's added-vocabulary trie and llama.cpp's partitioning do).
 */
final class SpecialTokenMatcher {

    /**
     * A token matched whole. {@code lstrip}/{@code rstrip} (Hugging Face AddedToken flags) make it absorb the
     * whitespace to its left/right.
     */
    record SpecialToken(String text, int id, boolean lstrip, boolean rstrip) {}

    /** A piece of the input: plain text ({@code id == -1}) or one special token. */
    record Segment(String text, int id) {
        boolean isToken() { return id >= 0; }
    }

    private static final SpecialTokenMatcher NONE = new SpecialTokenMatcher(List.of());

    private final Pattern pattern;
    private final Map<String, SpecialToken> byText = new HashMap<>();

    SpecialTokenMatcher(List<SpecialToken> tokens) {
        for (SpecialToken t : tokens) {
            if (!t.text().isEmpty()) byText.putIfAbsent(t.text(), t);
        }
        if (byText.isEmpty()) {
            pattern = null;
        } else {
            // Regex alternation tries alternatives in order, so longest first gives longest match.
            List<String> texts = new ArrayList<>(byText.keySet());
            texts.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
            StringBuilder alternation = new StringBuilder();
            for (String s : texts) {
                if (!alternation.isEmpty()) alternation.append('|');
                alternation.append(Pattern.quote(s));
            }
            pattern = Pattern.compile(alternation.toString());
        }
    }

    static SpecialTokenMatcher none() { return NONE; }

    /** The input cut into text and special-token segments, in order; text segments are never empty. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (pattern == null) {
            if (!text.isEmpty()) out.add(new Segment(text, -1));
            return out;
        }
        Matcher m = pattern.matcher(text);
        int textStart = 0;
        while (m.find()) {
            SpecialToken token = byText.get(m.group());
            int textEnd = m.start();
            if (token.lstrip()) {
                while (textEnd > textStart && Character.isWhitespace(text.charAt(textEnd - 1))) textEnd--;
            }
            if (textEnd > textStart) out.add(new Segment(text.substring(textStart, textEnd), -1));
            out.add(new Segment(token.text(), token.id()));
            textStart = m.end();
            if (token.rstrip()) {
                while (textStart < text.length() && Character.isWhitespace(text.charAt(textStart))) textStart++;
            }
        }
        if (textStart < text.length()) out.add(new Segment(text.substring(textStart), -1));
        return out;
    }
}
