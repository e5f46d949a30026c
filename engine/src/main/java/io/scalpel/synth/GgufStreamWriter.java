package io.scalpel.synth;

import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufModelMetadata;
import io.scalpel.io.GgufWriter;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Writes a synthetic {@code llama} GGUF whose tensors are generated while writing, through the
 * engine's {@link GgufWriter}. No tokenizer is stored: these files exist to measure speed, not to talk.
 */
final class GgufStreamWriter {
    static final int ALIGNMENT = GgufWriter.DEFAULT_ALIGNMENT;

    private GgufStreamWriter() {}

    static void write(FileChannel out, ModelConfig c, String name, List<PlannedTensor> plan, DType dtype,
                      TensorStreamer streamer) throws IOException {
        if (!dtype.isFloat()) throw new IllegalArgumentException("synthetic weights are float");
        GgmlType type = GgmlType.valueOf(dtype.name());
        GgufWriter w = new GgufWriter(ALIGNMENT);
        GgufModelMetadata.put(w, c, name, GgufModelMetadata.fileType(type));
        for (PlannedTensor t : plan) {
            w.add(t.name(), type, t.shape(), type.byteSize(t.elements()), ch -> streamer.write(ch, t, dtype));
        }
        w.write(out);
    }

    static long align(long n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }
}
