package io.scalpel.surgery.lora;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufFile;
import io.scalpel.io.GgufMetadata;
import io.scalpel.io.GgufReader;
import io.scalpel.io.GgufWriter;
import io.scalpel.io.RopeRowOrder;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's LoRA adapter GGUF (what its convert_lora_to_gguf writes and llama-adapter loads):
 * {@code general.type = "adapter"}, {@code adapter.type = "lora"}, {@code adapter.lora.alpha}, the
 * base's {@code general.architecture}, and per projection {@code blk.{l}.<name>.weight.lora_a} with
 * ggml shape ne = [in, r] (row-major [r, in], as PEFT's lora_A) and {@code .lora_b} ne = [r, out]
 * (row-major [out, r]). llama.cpp scales by alpha / r. For {@code llama}, B's rows of attn_q/attn_k are
 * in GGUF's interleaved RoPE order, as the base's q/k rows are.
 */
public final class GgufLoraFile {
    private static final Pattern NAME = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight\\.lora_([ab])");

    private GgufLoraFile() {}

    /** @param architecture the base's {@code general.architecture} (llama, qwen2) */
    public static void write(LoraAdapter adapter, ModelConfig c, String architecture, Path file) {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", architecture);
        w.putString("general.type", "adapter");
        w.putString("general.name", adapter.baseModel().isEmpty() ? "scalpel LoRA" : "scalpel LoRA for " + adapter.baseModel());
        w.putString("adapter.type", "lora");
        w.putFloat32("adapter.lora.alpha", adapter.loraAlpha());
        try (Arena arena = Arena.ofConfined()) {
            for (LoraAdapter.Update u : adapter.updates()) {
                String base = "blk." + u.layer() + "." + u.target().ggufName() + ".weight.";
                Tensor a = f32(base + "lora_a", new long[] {u.rank(), u.in()}, u.a());
                Tensor b = f32(base + "lora_b", new long[] {u.out(), u.rank()}, u.b());
                if (architecture.equals("llama") && u.target().ropeRows()) b = RopeRowOrder.toInterleaved(b, u.target().ropeHeads(c), arena);
                w.add(a.name(), GgmlType.F32, a.shape(), a);
                w.add(b.name(), GgmlType.F32, b.shape(), b);
            }
            w.write(file);
        }
    }

    /** Whether a GGUF file's metadata says it is a LoRA adapter. */
    public static boolean isAdapter(GgufMetadata m) {
        return m.getString("general.type", "").equals("adapter");
    }

    /** @param c the base model's config: llama q/k rows of B are permuted to the engine's rotate_half order */
    public static LoraAdapter read(Path file, ModelConfig c) {
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.open(file, arena);
            GgufMetadata m = g.metadata();
            try {
                if (!isAdapter(m)) throw new CheckpointException(file, "general.type is \"" + m.getString("general.type", "") + "\", not a GGUF adapter");
                if (!m.getString("adapter.type", "").equals("lora")) throw new CheckpointException(file, "adapter.type is \"" + m.getString("adapter.type", "") + "\", not lora");
                boolean interleaved = m.getString("general.architecture", "llama").equals("llama");
                Map<String, Tensor[]> pairs = new TreeMap<>();
                for (var info : g.tensorInfos()) {
                    Matcher mt = NAME.matcher(info.name());
                    LoraTarget target = mt.matches() ? LoraTarget.named(mt.group(2)) : null;
                    if (target == null) throw new CheckpointException(file, "tensor " + info.name() + " is not a LoRA A/B of a decoder projection");
                    Tensor t = g.tensor(info.name(), arena);
                    t = Tensor.ofFloats(t.name(), t.shape(), t.toFloatArray());
                    if (mt.group(3).equals("b") && interleaved && target.ropeRows()) {
                        Tensor permuted = RopeRowOrder.toRotateHalf(t, target.ropeHeads(c), arena);
                        t = Tensor.ofFloats(t.name(), t.shape(), permuted.toFloatArray());
                    }
                    Tensor[] ab = pairs.computeIfAbsent(mt.group(1) + " " + target.peftModule(), k -> new Tensor[2]);
                    ab[mt.group(3).equals("a") ? 0 : 1] = t;
                }
                if (pairs.isEmpty()) throw new CheckpointException(file, "holds no LoRA tensors");
                Tensor firstA = pairs.values().iterator().next()[0];
                int r = firstA == null ? pairs.values().iterator().next()[1].cols() : firstA.rows();
                float alpha = m.contains("adapter.lora.alpha") ? m.getFloat("adapter.lora.alpha", r) : r;
                return PeftLoraFile.assemble(r, alpha, m.getString("general.name", ""), pairs, file);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, e.getMessage());
            }
        }
    }

    private static Tensor f32(String name, long[] shape, float[] values) {
        return Tensor.ofFloats(name, shape, values);
    }
}
