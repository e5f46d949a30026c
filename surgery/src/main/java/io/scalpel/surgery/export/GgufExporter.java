package io.scalpel.surgery.export;

import io.scalpel.io.Checkpoint;
import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufFile;
import io.scalpel.io.GgufModelMetadata;
import io.scalpel.io.GgufReader;
import io.scalpel.io.GgufTensorInfo;
import io.scalpel.io.GgufWriter;
import io.scalpel.io.ModelFormat;
import io.scalpel.io.RopeRowOrder;
import io.scalpel.io.TensorNaming;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.RopeScaling;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.lora.LoraTarget;
import io.scalpel.tensor.Tensor;
import io.scalpel.tokenizer.GgufTokenizerMetadata;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerDescription;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Writes the model as it is resident now — edits included — as one GGUF file that llama.cpp and
 * Scalpel load: {@code general.*} and {@code <arch>.*} keys, the tokenizer ({@code tokenizer.*} copied
 * as they are from a GGUF source, else written from the loaded tokenizer), llama.cpp's tensor names,
 * every tensor in its stored type. For {@code llama} the q/k rows are permuted back to the interleaved
 * order GGUF stores (the engine holds rotate_half); Llama 3 RoPE scaling becomes
 * {@code rope_freqs.weight}, as llama.cpp's converter writes it.
 */
public final class GgufExporter {
    private GgufExporter() {}

    /** @param tokenizer used when the source is not a GGUF with its own tokenizer keys; may be null (no tokenizer stored) */
    public static void export(Checkpoint ck, Transformer model, Tokenizer tokenizer, Path out) {
        Path target = HuggingFaceExporter.requireOutsideInput(ck, out);
        ModelConfig c = ck.config();
        boolean interleave = GgufModelMetadata.architecture(c).equals("llama");
        try (Arena arena = Arena.ofConfined()) {
            // A GGUF source's header, parsed once: its file type and tokenizer keys carry over.
            GgufFile source = ck.format() instanceof ModelFormat.Gguf g ? GgufReader.open(g.path(), arena) : null;
            GgufWriter w = new GgufWriter();
            GgmlType mainType = ggmlType(ck.weights().layers().getFirst().gate());
            String name = ck.metadata().getOrDefault("name", "");
            GgufModelMetadata.put(w, c, name.isEmpty() ? ck.format().path().getFileName().toString() : name,
                    sourceFileType(ck, source).orElse(Math.max(0, GgufModelMetadata.fileType(mainType))));
            putTokenizer(w, source, tokenizer);

            TensorNaming n = TensorNaming.GGUF;
            var weights = ck.weights();
            add(w, n.embedding(), weights.embedding());
            Tensor freqs = ropeFrequencyFactors(c);
            if (freqs != null) add(w, "rope_freqs.weight", freqs);
            for (int l = 0; l < weights.layers().size(); l++) {
                LayerWeights lw = weights.layers().get(l);
                add(w, n.layer(l, n.attnNorm()), lw.attnNorm());
                Tensor bq = lw.bq(), bk = lw.bk();
                ResidentTensors.Transform qRows = ResidentTensors.Transform.NONE, kRows = ResidentTensors.Transform.NONE;
                if (interleave) {
                    qRows = (x, a) -> RopeRowOrder.toInterleaved(x, c.heads(), a);
                    kRows = (x, a) -> RopeRowOrder.toInterleaved(x, c.kvHeads(), a);
                    if (bq != null) bq = qRows.apply(bq, arena);
                    if (bk != null) bk = kRows.apply(bk, arena);
                }
                projection(w, n.layer(l, n.wq()), model, l, LoraTarget.Q, lw.wq(), qRows);
                projection(w, n.layer(l, n.wk()), model, l, LoraTarget.K, lw.wk(), kRows);
                projection(w, n.layer(l, n.wv()), model, l, LoraTarget.V, lw.wv(), ResidentTensors.Transform.NONE);
                projection(w, n.layer(l, n.wo()), model, l, LoraTarget.O, lw.wo(), ResidentTensors.Transform.NONE);
                if (bq != null) add(w, n.layer(l, n.bq()), bq);
                if (bk != null) add(w, n.layer(l, n.bk()), bk);
                if (lw.bv() != null) add(w, n.layer(l, n.bv()), lw.bv());
                add(w, n.layer(l, n.ffnNorm()), lw.ffnNorm());
                projection(w, n.layer(l, n.gate()), model, l, LoraTarget.GATE, lw.gate(), ResidentTensors.Transform.NONE);
                projection(w, n.layer(l, n.up()), model, l, LoraTarget.UP, lw.up(), ResidentTensors.Transform.NONE);
                projection(w, n.layer(l, n.down()), model, l, LoraTarget.DOWN, lw.down(), ResidentTensors.Transform.NONE);
            }
            add(w, n.finalNorm(), weights.finalNorm());
            if (!c.tiedEmbeddings()) add(w, n.output(), weights.output());
            w.write(target);
        }
    }

    /** @param source the GGUF the model was loaded from, or null */
    private static void putTokenizer(GgufWriter w, GgufFile source, Tokenizer tokenizer) {
        if (source != null) {
            boolean any = false;
            for (Map.Entry<String, Object> e : source.metadata().values().entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) {
                    w.putValue(e.getKey(), e.getValue());
                    any = true;
                }
            }
            if (any) return;
        }
        if (tokenizer != null) GgufTokenizerMetadata.put(w, TokenizerDescription.of(tokenizer));
    }

    /**
     * The source's {@code general.file_type} where the export writes the source's tensors in their stored types:
     * a GGUF source whose tensors (elements per type, {@code rope_freqs} aside) are exactly those of the loaded
     * weights. The type of one matrix cannot tell a Q4_K_M file (15) from Q4_K_S (14); the source can.
     *
     * @param source the GGUF the model was loaded from, or null (no file type to carry over)
     */
    static OptionalInt sourceFileType(Checkpoint ck, GgufFile source) {
        if (source == null || !source.metadata().contains("general.file_type")) return OptionalInt.empty();
        Map<String, Long> stored = new TreeMap<>(), written = new TreeMap<>();
        for (GgufTensorInfo t : source.tensorInfos()) {
            if (!t.name().equals("rope_freqs.weight")) stored.merge(t.type().name(), t.elementCount(), Long::sum);
        }
        for (Tensor t : ck.weights().tensors()) written.merge(ggmlType(t).name(), t.size(), Long::sum);
        return stored.equals(written) ? OptionalInt.of(source.metadata().getInt("general.file_type", 0)) : OptionalInt.empty();
    }

    /** The ggml type a tensor is stored in (F32, F16, BF16 now; the quantized types by the same name). */
    static GgmlType ggmlType(Tensor t) {
        return GgmlType.of(t.dtype());
    }

    private static void projection(GgufWriter w, String name, Transformer model, int layer, LoraTarget t, Tensor original,
                                   ResidentTensors.Transform rows) {
        w.add(name, ggmlType(original), original.shape(), original.data().byteSize(), ResidentTensors.bytes(model, layer, t, original, rows));
    }

    private static void add(GgufWriter w, String name, Tensor t) {
        w.add(name, ggmlType(t), t.shape(), t);
    }

    /**
     * llama.cpp's {@code rope_freqs.weight} for Llama 3 scaling: per frequency the divisor of the base
     * inverse frequency (1 for short wavelengths, {@code factor} for long ones, a smooth blend between),
     * computed as its converter does; GGUF's own factors are written back as read.
     */
    static Tensor ropeFrequencyFactors(ModelConfig c) {
        int half = c.headDim() / 2;
        float[] f = new float[half];
        switch (c.ropeScaling()) {
            case RopeScaling.None none -> { return null; }
            case RopeScaling.FrequencyFactors ff -> System.arraycopy(ff.factors(), 0, f, 0, half);
            case RopeScaling.Llama3 l -> {
                double lowWavelen = l.originalMaxPositions() / l.lowFreqFactor();
                double highWavelen = l.originalMaxPositions() / l.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    double freq = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
                    double wavelen = 2 * Math.PI / freq;
                    if (wavelen < highWavelen) f[i] = 1f;
                    else if (wavelen > lowWavelen) f[i] = (float) l.factor();
                    else {
                        double smooth = (l.originalMaxPositions() / wavelen - l.lowFreqFactor()) / (l.highFreqFactor() - l.lowFreqFactor());
                        f[i] = (float) (1 / ((1 - smooth) / l.factor() + smooth));
                    }
                }
            }
        }
        return Tensor.ofFloats("rope_freqs.weight", new long[] {half}, f);
    }
}
