package io.scalpel.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts text into the pieces that byte-level BPE encodes independently (merges never cross a piece
 * boundary). Each step is a regex; both its matches and the text between them become pieces (Hugging Face's
 * "Isolated" split), and each step further cuts the pieces of the step before.
 *
 * <p>The regexes are compiled with {@link Pattern#UNICODE_CHARACTER_CLASS}: without it Java's {@code \s}
 * is ASCII-only, while the references (Oniguruma in Hugging Face's tokenizers) match every Unicode space
 * (U+00A0, U+3000, ...). {@code \p{L}} and {@code \p{N}} are Unicode categories either way.
 */
public final class PreTokenizer {

    /** GPT-2's pattern (also Hugging Face's ByteLevel pre-tokenizer with use_regex). */
    public static final String GPT2_REGEX =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's pattern: case-insensitive contractions, digits in groups of up to three. */
    public static final String LLAMA3_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's pattern: Llama 3's with single digits. */
    public static final String QWEN2_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    public static final PreTokenizer GPT2 = new PreTokenizer(List.of(GPT2_REGEX));
    public static final PreTokenizer LLAMA3 = new PreTokenizer(List.of(LLAMA3_REGEX));
    public static final PreTokenizer QWEN2 = new PreTokenizer(List.of(QWEN2_REGEX));
    /** SmolLM, StarCoder: every digit alone, then GPT-2's pattern. */
    public static final PreTokenizer DIGITS_THEN_GPT2 = new PreTokenizer(List.of("\\p{N}", GPT2_REGEX));

    private final List<Pattern> steps;
    private final List<String> regexes;

    public PreTokenizer(List<String> regexes) {
        this.regexes = List.copyOf(regexes);
        this.steps = this.regexes.stream().map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }

    /**
     * The pre-tokenizer a GGUF file names in {@code tokenizer.ggml.pre} (llama.cpp's names), or null when
     * the name is not one of them.
     */
    public static PreTokenizer forGgufName(String name) {
        return switch (name) {
            case "default", "gpt-2", "gpt2", "phi-2", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "gigachat", "mellum" -> GPT2;
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "midm-2.0", "lfm2" -> LLAMA3;
            case "qwen2", "stablelm2", "deepseek-r1-qwen", "megrez", "hunyuan" -> QWEN2;
            case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b" -> DIGITS_THEN_GPT2;
            default -> null;
        };
    }

    public List<String> regexes() { return regexes; }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    public List<String> split(String text) {
        List<String> pieces = List.of(text);
        for (Pattern step : steps) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) splitOne(step, piece, next);
            pieces = next;
        }
        return pieces;
    }

    private static void splitOne(Pattern step, String text, List<String> out) {
        Matcher m = step.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) out.add(text.substring(last, m.start()));
            out.add(text.substring(m.start(), m.end()));
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
    }

    @Override public String toString() { return "PreTokenizer" + regexes; }
}
