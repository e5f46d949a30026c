package io.scalpel.synth;

import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufModelMetadata;
import io.scalpel.io.GgufWriter;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.function.Function;

/**
 * Writes a synthetic {@code llama} GGUF whose tensors are generated while writing, through the
 * engine's {@link GgufWriter}. No tokenizer is stored: these files exist to measure speed, not to talk.
 */
final class GgufStreamWriter {
    static final int ALIGNMENT = GgufWriter.DEFAULT_ALIGNMENT;

    private GgufStreamWriter() {}

    /**
     * @param fileType   llama.cpp's general.file_type of the whole file
     * @param storedType each tensor's type (norms stay F32 in quantized files)
     */
    static void write(FileChannel out, ModelConfig c, String name, List<PlannedTensor> plan, int fileType,
                      Function<PlannedTensor, DType> storedType, TensorStreamer streamer) throws IOException {
        GgufWriter w = new GgufWriter(ALIGNMENT);
        GgufModelMetadata.put(w, c, name, fileType);
        for (PlannedTensor t : plan) {
            DType stored = storedType.apply(t);
            GgmlType storedGgml = GgmlType.of(stored);
            w.add(t.name(), storedGgml, t.shape(), storedGgml.byteSize(t.elements()), ch -> streamer.write(ch, t, stored));
        }
        w.write(out);
    }

    static long align(long n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }
}
