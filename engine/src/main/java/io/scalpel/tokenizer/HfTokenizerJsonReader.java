package io.scalpel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a BPE model, in either of its two families:
 * <ul>
 *   <li>byte-level (a ByteLevel pre-tokenizer or decoder: GPT-2, Llama 3, Qwen2, SmolLM), whose regexes come
 *       from the pre-tokenizer's Split / ByteLevel / Digits steps;</li>
 *   <li>SentencePiece-style (byte_fallback, a Prepend "▁" normaliser or a Metaspace pre-tokenizer: Llama 2,
 *       Mistral, TinyLlama).</li>
 * </ul>
 * Merges may be written as pairs ({@code ["▁", "t"]}) or as strings ({@code "▁ t"}). Every entry of
 * {@code added_tokens} is matched whole in the input. BOS/EOS come from {@code tokenizer_config.json} or
 * {@code config.json} beside the file when present.
 */
public final class HfTokenizerJsonReader {
    private static final String METASPACE = "\u2581";

    private final Path file;
    private final ObjectMapper json = new ObjectMapper();

    private HfTokenizerJsonReader(Path file) {
        this.file = file;
    }

    /** @throws TokenizerException naming the file if it is missing, not JSON, or uses what is not supported */
    public static Tokenizer load(Path file) {
        return new HfTokenizerJsonReader(file).read();
    }

    private Tokenizer read() {
        JsonNode root;
        try {
            root = json.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new TokenizerException(file, "no such file");
        } catch (IOException e) {
            throw new TokenizerException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerException(file, "not a tokenizer.json (top level is not an object)");
        JsonNode model = root.path("model");
        String modelType = model.path("type").asText("BPE");
        if (!modelType.equals("BPE")) throw new TokenizerException(file, "model type " + modelType + " is not supported (only BPE)");
        if (!model.path("vocab").isObject()) throw new TokenizerException(file, "model.vocab is missing or not an object");

        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unkToken = model.path("unk_token").asText(null);
        Vocabulary vocab = vocabulary(model.path("vocab"), root.path("added_tokens"), byteFallback, unkToken);
        MergeTable merges = MergeTable.fromPairs(vocab, merges(model.path("merges")));
        SpecialTokenMatcher specials = new SpecialTokenMatcher(addedTokens(root.path("added_tokens")));

        SpecialTokenConfig config = new SpecialTokenConfig(parentDir(), json);
        int bos = config.bos(vocab, templateBos(root.path("post_processor"), vocab));
        int eos = config.eos(vocab, -1);

        boolean byteLevel = mentionsType(root.path("pre_tokenizer"), "ByteLevel") || mentionsType(root.path("decoder"), "ByteLevel");
        if (byteLevel) {
            List<String> regexes = new ArrayList<>();
            boolean prefixSpace = byteLevelSteps(root.path("pre_tokenizer"), regexes);
            PreTokenizer preTokenizer;
            try {
                preTokenizer = new PreTokenizer(regexes);
            } catch (PatternSyntaxException e) {
                throw new TokenizerException(file, "pre-tokenizer regex does not compile in Java: " + e.getDescription());
            }
            return new ByteLevelBpe(vocab, merges, preTokenizer, specials, model.path("ignore_merges").asBoolean(false),
                    normalForm(root.path("normalizer")), prefixSpace, bos, eos);
        }
        boolean sentencePiece = byteFallback || mentionsType(root.path("normalizer"), "Prepend")
                || mentionsType(root.path("pre_tokenizer"), "Metaspace");
        if (!sentencePiece) {
            throw new TokenizerException(file, "BPE without ByteLevel, byte_fallback, Prepend or Metaspace is not supported");
        }
        int unk = unkToken == null ? -1 : vocab.id(unkToken);
        return new SentencePieceBpe(vocab, merges, sentencePieceOptions(root), specials, bos, eos, unk);
    }

    private Path parentDir() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    private Vocabulary vocabulary(JsonNode vocabNode, JsonNode added, boolean byteFallback, String unkToken) {
        long highest = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) highest = Math.max(highest, idOf(e.getValue(), e.getKey()) + 1L);
        for (JsonNode a : added) highest = Math.max(highest, idOf(a.path("id"), a.path("content").asText()) + 1L);
        int size = Vocabulary.checkedSize(file, highest, vocabNode.size() + added.size());
        String[] texts = new String[size];
        TokenType[] types = new TokenType[size];
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt();
            String text = e.getKey();
            texts[id] = text;
            types[id] = byteFallback && ByteTokenSpelling.parse(text) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        for (JsonNode a : added) {
            int id = a.path("id").asInt();
            String text = a.path("content").asText();
            texts[id] = text;
            types[id] = text.equals(unkToken) ? TokenType.UNKNOWN
                    : a.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (types[i] == null) types[i] = TokenType.UNUSED;
        }
        if (unkToken != null) {
            for (int i = 0; i < size; i++) {
                if (unkToken.equals(texts[i]) && types[i] == TokenType.NORMAL) types[i] = TokenType.UNKNOWN;
            }
        }
        return new Vocabulary(texts, types);
    }

    private int idOf(JsonNode id, String token) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) throw new TokenizerException(file, "token " + token + " has id " + id + ", not a non-negative int");
        return id.asInt();
    }

    private List<String[]> merges(JsonNode node) {
        List<String[]> out = new ArrayList<>(node.size());
        for (JsonNode m : node) {
            if (m.isArray() && m.size() == 2) {
                out.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else if (m.isTextual()) {
                String s = m.asText();
                int space = s.indexOf(' ', 1);
                if (space < 0) throw new TokenizerException(file, "merge \"" + s + "\" is not two tokens separated by a space");
                out.add(new String[] {s.substring(0, space), s.substring(space + 1)});
            } else {
                throw new TokenizerException(file, "merge " + m + " is neither a pair nor a string");
            }
        }
        return out;
    }

    private static List<SpecialTokenMatcher.SpecialToken> addedTokens(JsonNode added) {
        List<SpecialTokenMatcher.SpecialToken> out = new ArrayList<>();
        for (JsonNode a : added) {
            out.add(new SpecialTokenMatcher.SpecialToken(a.path("content").asText(), a.path("id").asInt(),
                    a.path("lstrip").asBoolean(false), a.path("rstrip").asBoolean(false)));
        }
        return out;
    }

    /** The first special token of a TemplateProcessing "single" template is the BOS the model expects. */
    private static int templateBos(JsonNode postProcessor, Vocabulary vocab) {
        JsonNode template = postProcessor.path("single");
        if (!template.isArray() || template.isEmpty()) {
            for (JsonNode p : postProcessor.path("processors")) {
                int bos = templateBos(p, vocab);
                if (bos >= 0) return bos;
            }
            return -1;
        }
        JsonNode first = template.get(0).path("SpecialToken");
        return first.isMissingNode() ? -1 : vocab.id(first.path("id").asText());
    }

    /** Whether {@code node} or a node inside it has {@code "type": type}. */
    private static boolean mentionsType(JsonNode node, String type) {
        if (node == null || node.isMissingNode() || node.isNull()) return false;
        if (type.equals(node.path("type").asText())) return true;
        for (JsonNode child : node) {
            if (child.isContainerNode() && mentionsType(child, type)) return true;
        }
        return false;
    }

    /** Appends the regex steps of a byte-level pre-tokenizer; returns whether ByteLevel asks for a prefix space. */
    private boolean byteLevelSteps(JsonNode node, List<String> regexes) {
        if (node == null || node.isMissingNode() || node.isNull()) return false;
        String type = node.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                boolean prefix = false;
                for (JsonNode step : node.path("pretokenizers")) prefix |= byteLevelSteps(step, regexes);
                return prefix;
            }
            case "ByteLevel" -> {
                if (node.path("use_regex").asBoolean(true)) regexes.add(PreTokenizer.GPT2_REGEX);
                return node.path("add_prefix_space").asBoolean(false);
            }
            case "Split" -> {
                String behavior = node.path("behavior").asText("Isolated");
                if (!behavior.equals("Isolated") || node.path("invert").asBoolean(false)) {
                    throw new TokenizerException(file, "Split pre-tokenizer with behavior " + behavior
                            + (node.path("invert").asBoolean(false) ? " and invert" : "") + " is not supported (only Isolated)");
                }
                JsonNode pattern = node.path("pattern");
                if (pattern.has("Regex")) regexes.add(pattern.get("Regex").asText());
                else if (pattern.has("String")) regexes.add(java.util.regex.Pattern.quote(pattern.get("String").asText()));
                else throw new TokenizerException(file, "Split pre-tokenizer without a Regex or String pattern");
                return false;
            }
            case "Digits" -> {
                regexes.add(node.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
                return false;
            }
            default -> throw new TokenizerException(file, "pre-tokenizer " + type + " is not supported with byte-level BPE");
        }
    }

    private Normalizer.Form normalForm(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) return null;
        String type = node.path("type").asText();
        if (type.equals("Sequence")) {
            JsonNode steps = node.path("normalizers");
            if (steps.isEmpty()) return null;
            if (steps.size() == 1) return normalForm(steps.get(0));
            throw new TokenizerException(file, "a sequence of " + steps.size() + " normalizers is not supported with byte-level BPE");
        }
        return switch (type) {
            case "NFC" -> Normalizer.Form.NFC;
            case "NFD" -> Normalizer.Form.NFD;
            case "NFKC" -> Normalizer.Form.NFKC;
            case "NFKD" -> Normalizer.Form.NFKD;
            default -> throw new TokenizerException(file, "normalizer " + type + " is not supported with byte-level BPE");
        };
    }

    private SentencePieceBpe.Options sentencePieceOptions(JsonNode root) {
        JsonNode normalizer = root.path("normalizer");
        checkSentencePieceNormalizer(normalizer);
        boolean prefix = mentionsType(normalizer, "Prepend");
        boolean split = false;
        SentencePieceBpe.PrefixRule rule = SentencePieceBpe.PrefixRule.EACH_RUN;
        JsonNode pre = findType(root.path("pre_tokenizer"), "Metaspace");
        if (pre != null && !prefix) {
            // A Prepend normaliser (Llama 2) prefixes unconditionally; the Metaspace pre-tokenizer follows its scheme.
            String scheme = pre.path("prepend_scheme").asText(pre.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            prefix = switch (scheme) {
                case "always", "first", "never" -> !scheme.equals("never");
                default -> throw new TokenizerException(file, "Metaspace prepend_scheme \"" + scheme + "\" is not one of always, first, never");
            };
            rule = scheme.equals("first") ? SentencePieceBpe.PrefixRule.FIRST_RUN_UNLESS_SPACE : SentencePieceBpe.PrefixRule.EACH_RUN_UNLESS_SPACE;
        }
        if (pre != null) split = pre.path("split").asBoolean(true);
        return new SentencePieceBpe.Options(METASPACE, prefix, split, rule);
    }

    private void checkSentencePieceNormalizer(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) return;
        switch (node.path("type").asText()) {
            case "Sequence" -> {
                for (JsonNode step : node.path("normalizers")) checkSentencePieceNormalizer(step);
            }
            case "Prepend" -> {
                if (!METASPACE.equals(node.path("prepend").asText())) {
                    throw new TokenizerException(file, "Prepend normalizer with " + node.path("prepend") + " is not supported (only \"▁\")");
                }
            }
            case "Replace" -> {
                if (!" ".equals(node.path("pattern").path("String").asText(null)) || !METASPACE.equals(node.path("content").asText())) {
                    throw new TokenizerException(file, "Replace normalizer other than \" \" -> \"▁\" is not supported");
                }
            }
            default -> throw new TokenizerException(file, "normalizer " + node.path("type").asText() + " is not supported with SentencePiece-style BPE");
        }
    }

    private static JsonNode findType(JsonNode node, String type) {
        if (node == null || node.isMissingNode() || node.isNull()) return null;
        if (type.equals(node.path("type").asText())) return node;
        for (JsonNode child : node) {
            JsonNode found = child.isContainerNode() ? findType(child, type) : null;
            if (found != null) return found;
        }
        return null;
    }
}
