package io.scalpel.synth;

import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Writes llama2.c's legacy {@code .bin}: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size — negated when an unshared classifier follows — seq_len), then fp32 weights in run.c's
 * order. The format has no dtype field, so only F32 can be written.
 */
final class Llama2cStreamWriter {
    private Llama2cStreamWriter() {}

    static void write(FileChannel out, ModelConfig c, List<PlannedTensor> plan, TensorStreamer streamer) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(7 * 4).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.layers()).putInt(c.heads()).putInt(c.kvHeads())
                .putInt(c.tiedEmbeddings() ? c.vocabSize() : -c.vocabSize()).putInt(c.contextLength());
        header.flip();
        while (header.hasRemaining()) out.write(header);
        for (PlannedTensor t : plan) streamer.write(out, t, DType.F32);
    }
}
