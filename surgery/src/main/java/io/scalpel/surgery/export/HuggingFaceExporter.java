package io.scalpel.surgery.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.io.Checkpoint;
import io.scalpel.io.ModelFormat;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.io.StagedDirectory;
import io.scalpel.io.TensorNaming;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.RopeScaling;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.lora.LoraTarget;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.tokenizer.HfTokenizerJsonWriter;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerDescription;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the model as it is resident now — edits included — as a Hugging Face directory:
 * {@code config.json}, {@code model.safetensors} in the stored dtypes, and the tokenizer files when the
 * source had them (else written from the loaded tokenizer). Layer projections are read back from the
 * backend (a GPU's device memory included; edits and LoRA updates included); every other tensor is
 * copied from the source checkpoint. q/k rows are already in Hugging Face's
 * rotate_half layout inside the engine, so a GGUF or llama2.c source exports correctly too. The
 * directory is assembled under a hidden name and renamed at the end; the input is never written.
 */
public final class HuggingFaceExporter {
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "tokenizer.model");

    private HuggingFaceExporter() {}

    /** Exports with the tokenizer files of a Hugging Face source only (none for other sources). */
    public static void export(Checkpoint ck, Transformer model, Path out) {
        export(ck, model, null, out);
    }

    /**
     * @param tokenizer written as tokenizer.json + configs when the source is not a Hugging Face directory
     *                  with its own tokenizer files (whose files are copied as they are); may be null
     */
    public static void export(Checkpoint ck, Transformer model, Tokenizer tokenizer, Path out) {
        StagedDirectory.requireAbsent(out);
        Path target = requireOutsideInput(ck, out);
        String config = configJson(ck); // fails (GGUF rope_freqs) before anything is created
        TokenizerDescription description = tokenizer == null || hasTokenizerFiles(ck) ? null : TokenizerDescription.of(tokenizer);
        StagedDirectory.publish(target, dir -> {
            Files.writeString(dir.resolve("config.json"), config);
            writeWeights(ck, model, dir.resolve("model.safetensors"));
            if (ck.format() instanceof ModelFormat.HuggingFace hf) {
                for (String f : TOKENIZER_FILES) {
                    if (Files.exists(hf.path().resolve(f))) Files.copy(hf.path().resolve(f), dir.resolve(f));
                }
            }
            if (description != null) HfTokenizerJsonWriter.write(description, dir);
        });
    }

    private static boolean hasTokenizerFiles(Checkpoint ck) {
        return ck.format() instanceof ModelFormat.HuggingFace hf && Files.exists(hf.path().resolve("tokenizer.json"));
    }

    /** The absolute output path, refused when it lies inside the input model directory. */
    static Path requireOutsideInput(Checkpoint ck, Path out) {
        Path source = realPath(ck.format().path());
        Path target = out.toAbsolutePath().normalize();
        // Compare real paths, so a symbolic link on the way cannot lead the export into the input.
        if (realPath(target).startsWith(source) && Files.isDirectory(source)) throw new IllegalArgumentException(out + ": export must not go inside the input model directory");
        if (realPath(target).equals(source)) throw new IllegalArgumentException(out + ": export must not replace the input model");
        return target;
    }

    /** {@code p} with every link resolved in the part of it that exists (the rest is appended as is). */
    static Path realPath(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot resolve: " + e.getMessage(), e);
        }
    }

    private static void writeWeights(Checkpoint ck, Transformer model, Path file) {
        TensorNaming n = TensorNaming.HUGGING_FACE;
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("exported_by", "scalpel");
        var weights = ck.weights();
        add(w, n.embedding(), weights.embedding());
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights lw = weights.layers().get(l);
            add(w, n.layer(l, n.attnNorm()), lw.attnNorm());
            projection(w, n.layer(l, n.wq()), model, l, LoraTarget.Q, lw.wq());
            projection(w, n.layer(l, n.wk()), model, l, LoraTarget.K, lw.wk());
            projection(w, n.layer(l, n.wv()), model, l, LoraTarget.V, lw.wv());
            projection(w, n.layer(l, n.wo()), model, l, LoraTarget.O, lw.wo());
            if (lw.bq() != null) w.add(n.layer(l, n.bq()), lw.bq());
            if (lw.bk() != null) w.add(n.layer(l, n.bk()), lw.bk());
            if (lw.bv() != null) w.add(n.layer(l, n.bv()), lw.bv());
            add(w, n.layer(l, n.ffnNorm()), lw.ffnNorm());
            projection(w, n.layer(l, n.gate()), model, l, LoraTarget.GATE, lw.gate());
            projection(w, n.layer(l, n.up()), model, l, LoraTarget.UP, lw.up());
            projection(w, n.layer(l, n.down()), model, l, LoraTarget.DOWN, lw.down());
        }
        add(w, n.finalNorm(), weights.finalNorm());
        if (!ck.config().tiedEmbeddings()) add(w, n.output(), weights.output());
        w.write(file, SafetensorsWriter.WriteMode.CREATE_NEW);
    }

    /**
     * safetensors has no block-quantized dtypes: quantized tensors (GGUF Q8_0, Q4_0, Q4_K, Q6_K) are written
     * as their decoded F32 values — exactly what the engine computes with, so the export behaves the same.
     */
    private static void add(SafetensorsWriter w, String name, Tensor t) {
        if (!t.dtype().isQuantized()) {
            w.add(name, t);
            return;
        }
        // Decoded when the writer reaches it, so a 7B export never holds more than one widened tensor.
        w.add(name, DType.F32, t.shape(), out -> ResidentTensors.writeFloats(t.toFloatArray(), out));
    }

    /** A projection as the backend holds it now; quantized ones as their decoded F32 values, like {@link #add}. */
    private static void projection(SafetensorsWriter w, String name, Transformer model, int layer, LoraTarget t, Tensor original) {
        if (original.dtype().isQuantized()) {
            w.add(name, DType.F32, original.shape(), ResidentTensors.decodedF32(model, layer, t, original));
            return;
        }
        w.add(name, original.dtype(), original.shape(), ResidentTensors.bytes(model, layer, t, original, ResidentTensors.Transform.NONE));
    }

    static String configJson(Checkpoint ck) {
        ModelConfig c = ck.config();
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        String arch = c.architecture();
        o.putArray("architectures").add(switch (arch) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        });
        o.put("model_type", arch);
        o.put("hidden_size", c.dim());
        o.put("intermediate_size", c.hiddenDim());
        o.put("num_hidden_layers", c.layers());
        o.put("num_attention_heads", c.heads());
        o.put("num_key_value_heads", c.kvHeads());
        o.put("head_dim", c.headDim());
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", c.normEps());
        o.put("rope_theta", c.ropeTheta());
        switch (c.ropeScaling()) {
            case RopeScaling.None none -> o.putNull("rope_scaling");
            case RopeScaling.Llama3 l -> {
                ObjectNode rs = o.putObject("rope_scaling");
                rs.put("rope_type", "llama3");
                rs.put("factor", l.factor());
                rs.put("low_freq_factor", l.lowFreqFactor());
                rs.put("high_freq_factor", l.highFreqFactor());
                rs.put("original_max_position_embeddings", l.originalMaxPositions());
            }
            case RopeScaling.FrequencyFactors f -> throw new IllegalArgumentException(ck.format().path()
                    + ": GGUF rope_freqs cannot be expressed in a Hugging Face config; export from the original Hugging Face checkpoint");
        }
        o.put("max_position_embeddings", c.contextLength());
        o.put("vocab_size", c.vocabSize());
        o.put("tie_word_embeddings", c.tiedEmbeddings());
        o.put("attention_bias", ck.qkvBias());
        o.put("bos_token_id", c.bosId());
        o.put("eos_token_id", c.eosId());
        o.put("torch_dtype", switch (ck.weights().layers().getFirst().gate().dtype()) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
