package io.scalpel.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything a loaded tokenizer needs to be written in another format (Hugging Face tokenizer.json,
 * GGUF {@code tokenizer.ggml.*}), in the spelling those formats use: SentencePiece spaces as
 * {@code ▁} (llama2.c's plain spaces converted), control tokens by their names ({@code <s>}, not
 * llama2.c's {@code "\n<s>\n"}), merges in priority order and, for SentencePiece, scores whose order
 * gives the same merges.
 *
 * @param scores   SentencePiece: per token, higher merges first (−rank of the merge that makes it); null for byte-level
 * @param merges   pairs (left, right) in priority order
 * @param preTokenizer byte-level only (null for SentencePiece)
 * @param addSpacePrefix SentencePiece: a space is prepended to the text; byte-level: to each run lacking one
 */
public record TokenizerDescription(Family family, List<String> tokens, TokenType[] types, float[] scores,
                                   List<String[]> merges, PreTokenizer preTokenizer, boolean addSpacePrefix,
                                   boolean wholePieceFirst, java.text.Normalizer.Form normalForm,
                                   int bosId, int eosId, int unkId) {

    public enum Family { SENTENCEPIECE, BYTE_LEVEL }

    private static final String METASPACE = "\u2581";

    /** The description of a tokenizer Scalpel loaded (either family). */
    public static TokenizerDescription of(Tokenizer t) {
        return switch (t) {
            case SentencePieceBpe sp -> sentencePiece(sp);
            case ByteLevelBpe bl -> byteLevel(bl);
            default -> throw new IllegalArgumentException("tokenizer " + t + " cannot be described for export");
        };
    }

    private static TokenizerDescription sentencePiece(SentencePieceBpe sp) {
        Vocabulary v = sp.vocabulary();
        String marker = sp.options().spaceMarker();
        List<String> tokens = new ArrayList<>(v.size());
        for (int id = 0; id < v.size(); id++) {
            String text = v.text(id);
            tokens.add(switch (v.type(id)) {
                case NORMAL, USER_DEFINED -> marker.equals(METASPACE) ? text : text.replace(marker, METASPACE);
                case CONTROL, UNKNOWN -> text.strip(); // llama2.c spells BOS "\n<s>\n"
                case BYTE, UNUSED -> text;
            });
        }
        List<MergeTable.Merge> table = sp.mergeTable().merges();
        int lowest = table.isEmpty() ? 0 : table.getLast().rank() + 1;
        float[] scores = new float[v.size()];
        Arrays.fill(scores, -lowest);
        for (MergeTable.Merge m : table) scores[m.merged()] = Math.max(scores[m.merged()], -m.rank());
        for (int id = 0; id < v.size(); id++) {
            // Pieces no merge makes (single characters, bytes, control tokens) score 0, as SentencePiece's own do.
            if (v.type(id) != TokenType.NORMAL && v.type(id) != TokenType.USER_DEFINED) scores[id] = 0;
        }
        return new TokenizerDescription(Family.SENTENCEPIECE, List.copyOf(tokens), types(v), scores,
                pairs(table, tokens), null, sp.options().addSpacePrefix(), false, null, sp.bosId(), sp.eosId(), sp.unkId());
    }

    private static TokenizerDescription byteLevel(ByteLevelBpe bl) {
        Vocabulary v = bl.vocabulary();
        List<String> tokens = new ArrayList<>(v.size());
        for (int id = 0; id < v.size(); id++) tokens.add(v.text(id));
        return new TokenizerDescription(Family.BYTE_LEVEL, List.copyOf(tokens), types(v), null,
                pairs(bl.mergeTable().merges(), tokens), bl.preTokenizer(), bl.prefixSpace(), bl.wholePieceFirst(),
                bl.normalForm(), bl.bosId(), bl.eosId(), -1);
    }

    private static TokenType[] types(Vocabulary v) {
        TokenType[] out = new TokenType[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.type(i);
        return out;
    }

    private static List<String[]> pairs(List<MergeTable.Merge> table, List<String> tokens) {
        List<String[]> out = new ArrayList<>(table.size());
        for (MergeTable.Merge m : table) out.add(new String[] {tokens.get(m.left()), tokens.get(m.right())});
        return out;
    }

    @Override public TokenType[] types() { return types.clone(); }

    @Override public float[] scores() { return scores == null ? null : scores.clone(); }

    /** llama.cpp's name for the byte-level pre-tokenizer ({@code tokenizer.ggml.pre}), or null when it has none. */
    public String ggufPreTokenizerName() {
        if (preTokenizer == null) return null;
        List<String> r = preTokenizer.regexes();
        if (r.equals(PreTokenizer.GPT2.regexes())) return "gpt-2";
        if (r.equals(PreTokenizer.LLAMA3.regexes())) return "llama-bpe";
        if (r.equals(PreTokenizer.QWEN2.regexes())) return "qwen2";
        if (r.equals(PreTokenizer.DIGITS_THEN_GPT2.regexes())) return "smollm";
        return null;
    }
}
