package io.scalpel.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a tokenizer as Hugging Face does: {@code tokenizer.json} (a BPE model with the normaliser,
 * pre-tokenizer and decoder of its family — Llama 2's for SentencePiece, GPT-2's Split + ByteLevel for
 * byte-level), {@code tokenizer_config.json} and {@code special_tokens_map.json}. Control and unknown
 * tokens become special added tokens, user-defined ones non-special added tokens.
 */
public final class HfTokenizerJsonWriter {
    private static final String METASPACE = "\u2581";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfTokenizerJsonWriter() {}

    /** Writes the three files into {@code dir} (which exists; the files must not). */
    public static void write(TokenizerDescription d, Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizerJson(d)));
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tokenizerConfig(d)));
        Files.writeString(dir.resolve("special_tokens_map.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(specialTokensMap(d)));
    }

    static ObjectNode tokenizerJson(TokenizerDescription d) {
        boolean sp = d.family() == TokenizerDescription.Family.SENTENCEPIECE;
        List<String> tokens = d.tokens();
        TokenType[] types = d.types();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < tokens.size(); id++) {
            if (!types[id].matchedInText() || tokens.get(id).isEmpty()) continue;
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", tokens.get(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", types[id] != TokenType.USER_DEFINED);
        }
        if (sp) {
            ObjectNode norm = root.putObject("normalizer");
            norm.put("type", "Sequence");
            ArrayNode steps = norm.putArray("normalizers");
            if (d.addSpacePrefix()) steps.addObject().put("type", "Prepend").put("prepend", METASPACE);
            ObjectNode replace = steps.addObject().put("type", "Replace");
            replace.putObject("pattern").put("String", " ");
            replace.put("content", METASPACE);
            root.putNull("pre_tokenizer");
            root.set("post_processor", bosTemplate(d));
            ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
            ArrayNode decs = dec.putArray("decoders");
            ObjectNode r = decs.addObject().put("type", "Replace");
            r.putObject("pattern").put("String", METASPACE);
            r.put("content", " ");
            decs.addObject().put("type", "ByteFallback");
            decs.addObject().put("type", "Fuse");
            if (d.addSpacePrefix()) decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        } else {
            if (d.normalForm() == null) root.putNull("normalizer");
            else root.putObject("normalizer").put("type", d.normalForm().name());
            ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode steps = pre.putArray("pretokenizers");
            for (String regex : d.preTokenizer().regexes()) {
                ObjectNode split = steps.addObject().put("type", "Split");
                split.putObject("pattern").put("Regex", regex);
                split.put("behavior", "Isolated").put("invert", false);
            }
            steps.addObject().put("type", "ByteLevel").put("add_prefix_space", d.addSpacePrefix())
                    .put("trim_offsets", true).put("use_regex", false);
            root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true)
                    .put("trim_offsets", false).put("use_regex", true);
            root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                    .put("trim_offsets", true).put("use_regex", true);
        }
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        if (sp && d.unkId() >= 0) model.put("unk_token", tokens.get(d.unkId()));
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", sp);
        model.put("byte_fallback", sp);
        model.put("ignore_merges", d.wholePieceFirst());
        ObjectNode vocab = model.putObject("vocab");
        Set<String> seen = new HashSet<>();
        for (int id = 0; id < tokens.size(); id++) {
            String t = tokens.get(id);
            // Unused slots with no text, and a text already taken by a lower id, have no entry of their own.
            if (types[id] == TokenType.UNUSED && t.isEmpty()) continue;
            if (seen.add(t)) vocab.put(t, id);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : d.merges()) merges.addArray().add(m[0]).add(m[1]);
        return root;
    }

    /** Llama 2's TemplateProcessing: BOS before each sequence (the reader takes its BOS from here too). */
    private static ObjectNode bosTemplate(TokenizerDescription d) {
        ObjectNode p = JSON.createObjectNode().put("type", "TemplateProcessing");
        if (d.bosId() < 0) {
            p.putArray("single").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            p.putArray("pair").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            p.putObject("special_tokens");
            return p;
        }
        String bos = d.tokens().get(d.bosId());
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = p.putObject("special_tokens").putObject(bos);
        st.put("id", bos);
        st.putArray("ids").add(d.bosId());
        st.putArray("tokens").add(bos);
        return p;
    }

    static ObjectNode tokenizerConfig(TokenizerDescription d) {
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", d.family() == TokenizerDescription.Family.SENTENCEPIECE ? "LlamaTokenizerFast" : "PreTrainedTokenizerFast");
        c.put("add_bos_token", d.family() == TokenizerDescription.Family.SENTENCEPIECE && d.bosId() >= 0);
        c.put("add_eos_token", false);
        c.put("clean_up_tokenization_spaces", false);
        putToken(c, "bos_token", d, d.bosId());
        putToken(c, "eos_token", d, d.eosId());
        putToken(c, "unk_token", d, d.unkId());
        c.put("model_max_length", 1_000_000_000_000_000_000L);
        return c;
    }

    static ObjectNode specialTokensMap(TokenizerDescription d) {
        ObjectNode m = JSON.createObjectNode();
        putToken(m, "bos_token", d, d.bosId());
        putToken(m, "eos_token", d, d.eosId());
        putToken(m, "unk_token", d, d.unkId());
        return m;
    }

    private static void putToken(ObjectNode o, String key, TokenizerDescription d, int id) {
        if (id >= 0) o.put(key, d.tokens().get(id));
        else o.putNull(key);
    }
}
