package io.scalpel.surgery.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.io.StagedDirectory;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA directory: {@code adapter_config.json} (peft_type LORA, r, lora_alpha, target_modules,
 * base_model_name_or_path) and {@code adapter_model.safetensors} holding
 * {@code base_model.model.model.layers.{l}.<module>.lora_A.weight} [r, in] and {@code lora_B.weight} [out, r].
 */
public final class PeftLoraFile {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile(
            "(?:base_model\\.model\\.)?model\\.layers\\.(\\d+)\\.((?:self_attn|mlp)\\.\\w+_proj)\\.lora_([AB])(?:\\.default)?\\.weight");

    private PeftLoraFile() {}

    /** Writes {@code dir} (which must not exist) all at once. */
    public static void write(LoraAdapter adapter, Path dir) {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", adapter.baseModel());
        c.put("r", adapter.rank());
        float alpha = adapter.loraAlpha();
        if (alpha == Math.rint(alpha)) c.put("lora_alpha", (int) alpha); else c.put("lora_alpha", alpha);
        var targets = c.putArray("target_modules");
        new TreeSet<>(adapter.updates().stream().map(u -> u.target().peftShortName()).toList()).forEach(targets::add);
        c.put("lora_dropout", 0.0);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("use_dora", false);
        c.put("use_rslora", false);
        c.put("inference_mode", true);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("exported_by", "scalpel");
        for (LoraAdapter.Update u : adapter.updates()) {
            String prefix = "base_model.model.model.layers." + u.layer() + "." + u.target().peftModule() + ".";
            w.addFloats(prefix + "lora_A.weight", DType.F32, new long[] {u.rank(), u.in()}, u.a());
            w.addFloats(prefix + "lora_B.weight", DType.F32, new long[] {u.out(), u.rank()}, u.b());
        }
        StagedDirectory.publish(dir, staging -> {
            Files.writeString(staging.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
            w.write(staging.resolve(WEIGHTS), SafetensorsWriter.WriteMode.CREATE_NEW);
        });
    }

    /** Reads a PEFT directory, or its adapter_model.safetensors with the config beside it. */
    public static LoraAdapter read(Path path) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path configFile = dir.resolve(CONFIG);
        Path weights = Files.isDirectory(path) ? dir.resolve(WEIGHTS) : path;
        if (!Files.isRegularFile(configFile)) throw new CheckpointException(path, "no " + CONFIG + " (expected a PEFT LoRA directory)");
        if (!Files.isRegularFile(weights)) throw new CheckpointException(path, "no " + WEIGHTS + " in the PEFT LoRA directory");
        JsonNode c;
        try {
            c = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CheckpointException(configFile, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String type = c.path("peft_type").asText("");
        if (!type.equals("LORA")) throw new CheckpointException(configFile, "peft_type is \"" + type + "\", not LORA");
        if (!c.path("r").canConvertToInt() || c.path("r").asInt() <= 0) throw new CheckpointException(configFile, "r is missing or not a positive integer");
        int r = c.path("r").asInt();
        float alpha = c.has("lora_alpha") ? (float) c.path("lora_alpha").asDouble() : r;
        if (c.path("fan_in_fan_out").asBoolean(false)) throw new CheckpointException(configFile, "fan_in_fan_out LoRAs (Conv1D layers) are not supported");
        if (c.path("use_dora").asBoolean(false)) throw new CheckpointException(configFile, "DoRA adapters are not supported");
        if (c.path("use_rslora").asBoolean(false)) alpha = (float) (alpha * r / Math.sqrt(r)); // rsLoRA scales by alpha/sqrt(r)
        if (!c.path("rank_pattern").isEmpty() || !c.path("alpha_pattern").isEmpty()) {
            throw new CheckpointException(configFile, "rank_pattern / alpha_pattern are not supported");
        }

        Map<String, Tensor[]> pairs = new TreeMap<>();
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsReader.SafetensorsFile st = SafetensorsReader.open(weights, arena);
            for (Map.Entry<String, Tensor> e : st.tensors().entrySet()) {
                Matcher m = KEY.matcher(e.getKey());
                if (!m.matches()) throw new CheckpointException(weights, "tensor " + e.getKey() + " is not a LoRA A/B of a decoder projection");
                if (LoraTarget.named(m.group(2)) == null) throw new CheckpointException(weights, "tensor " + e.getKey() + " adapts " + m.group(2) + ", which is not a LoRA target (q/k/v/o/gate/up/down_proj)");
                Tensor[] ab = pairs.computeIfAbsent(m.group(1) + " " + m.group(2), k -> new Tensor[2]);
                ab[m.group(3).equals("A") ? 0 : 1] = copyToHeap(e.getValue(), weights);
            }
            return assemble(r, alpha, c.path("base_model_name_or_path").asText(""), pairs, weights);
        }
    }

    /** Pairs A and B per (layer, module) and checks their shapes agree with each other and with r. */
    static LoraAdapter assemble(int r, float alpha, String base, Map<String, Tensor[]> pairs, Path file) {
        List<LoraAdapter.Update> updates = new ArrayList<>();
        for (Map.Entry<String, Tensor[]> e : pairs.entrySet()) {
            String[] key = e.getKey().split(" ");
            Tensor a = e.getValue()[0], b = e.getValue()[1];
            if (a == null || b == null) throw new CheckpointException(file, "layer " + key[0] + " " + key[1] + " has lora_" + (a == null ? "B but no lora_A" : "A but no lora_B"));
            if (a.rank() != 2 || b.rank() != 2) throw new CheckpointException(file, "layer " + key[0] + " " + key[1] + ": lora_A and lora_B must be matrices");
            if (a.rows() != r || b.cols() != r) {
                throw new CheckpointException(file, "layer " + key[0] + " " + key[1] + ": lora_A is " + java.util.Arrays.toString(a.shape())
                        + " and lora_B " + java.util.Arrays.toString(b.shape()) + ", but r is " + r + " (rank mismatch)");
            }
            updates.add(new LoraAdapter.Update(Integer.parseInt(key[0]), LoraTarget.named(key[1]), a.cols(), b.rows(), a.toFloatArray(), b.toFloatArray()));
        }
        if (updates.isEmpty()) throw new CheckpointException(file, "holds no LoRA tensors");
        try {
            return new LoraAdapter(r, alpha, base, updates);
        } catch (IllegalArgumentException ex) {
            throw new CheckpointException(file, ex.getMessage());
        }
    }

    private static Tensor copyToHeap(Tensor t, Path file) {
        if (!t.dtype().isFloat()) throw new CheckpointException(file, "tensor " + t.name() + " has dtype " + t.dtype() + ", not a float type");
        float[] values = t.toFloatArray();
        return Tensor.ofFloats(t.name(), t.shape(), values);
    }
}
