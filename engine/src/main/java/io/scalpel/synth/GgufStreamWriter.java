package io.scalpel.synth;

import io.scalpel.io.GgmlType;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.DType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Writes a GGUF v3 file for the {@code llama} architecture whose tensors are generated while writing:
 * magic, version, counts, the llama.* metadata llama.cpp reads, tensor infos (dims innermost first,
 * offsets relative to the aligned data section), then the data, each tensor aligned to 32 bytes.
 * No tokenizer is stored: these files exist to measure speed, not to talk.
 */
final class GgufStreamWriter {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int VERSION = 3;
    static final int ALIGNMENT = 32;
    // GGUF metadata value types
    static final int TYPE_UINT32 = 4, TYPE_FLOAT32 = 6, TYPE_STRING = 8;

    private GgufStreamWriter() {}

    /**
     * @param dtype      the file's nominal type (general.file_type)
     * @param storedType each tensor's type (norms stay F32 in quantized files)
     */
    static void write(FileChannel out, ModelConfig c, String name, List<PlannedTensor> plan, DType dtype,
                      Function<PlannedTensor, DType> storedType, TensorStreamer streamer) throws IOException {
        Header h = new Header();
        int kvCount = 0;
        kvCount += h.kvString("general.architecture", "llama");
        kvCount += h.kvString("general.name", name);
        kvCount += h.kvUint32("general.alignment", ALIGNMENT);
        kvCount += h.kvUint32("general.file_type", switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 32;
            case Q4_0 -> 2;   // LLAMA_FTYPE_MOSTLY_Q4_0
            case Q8_0 -> 7;   // LLAMA_FTYPE_MOSTLY_Q8_0
            case Q4_K -> 14;  // LLAMA_FTYPE_MOSTLY_Q4_K_S (every matrix Q4_K)
            case Q6_K -> 18;  // LLAMA_FTYPE_MOSTLY_Q6_K
            case I32 -> throw new IllegalArgumentException("synthetic weights are float");
        });
        kvCount += h.kvUint32("llama.context_length", c.contextLength());
        kvCount += h.kvUint32("llama.embedding_length", c.dim());
        kvCount += h.kvUint32("llama.block_count", c.layers());
        kvCount += h.kvUint32("llama.feed_forward_length", c.hiddenDim());
        kvCount += h.kvUint32("llama.attention.head_count", c.heads());
        kvCount += h.kvUint32("llama.attention.head_count_kv", c.kvHeads());
        kvCount += h.kvUint32("llama.attention.key_length", c.headDim());
        kvCount += h.kvUint32("llama.attention.value_length", c.headDim());
        kvCount += h.kvUint32("llama.rope.dimension_count", c.headDim());
        kvCount += h.kvFloat32("llama.rope.freq_base", (float) c.ropeTheta());
        kvCount += h.kvFloat32("llama.attention.layer_norm_rms_epsilon", c.normEps());
        kvCount += h.kvUint32("llama.vocab_size", c.vocabSize());

        Header infos = new Header();
        long offset = 0;
        for (PlannedTensor t : plan) {
            infos.string(t.name());
            long[] shape = t.shape();
            infos.u32(shape.length);
            for (int i = shape.length - 1; i >= 0; i--) infos.u64(shape[i]); // ggml: innermost dimension first
            DType stored = storedType.apply(t);
            infos.u32(GgmlType.of(stored).id());
            infos.u64(offset);
            offset = align(offset + stored.byteSize(t.elements()));
        }

        Header start = new Header();
        start.u32(MAGIC);
        start.u32(VERSION);
        start.u64(plan.size());
        start.u64(kvCount);
        byte[] head = concat(start.bytes(), h.bytes(), infos.bytes());
        writeFully(out, ByteBuffer.wrap(head));
        pad(out, align(head.length) - head.length);
        long position = 0;
        for (PlannedTensor t : plan) {
            long bytes = streamer.write(out, t, storedType.apply(t));
            position += bytes;
            pad(out, align(position) - position);
            position = align(position);
        }
        if (position != offset) throw new IllegalStateException("wrote " + position + " data bytes, infos promised " + offset);
    }

    static long align(long n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

    private static void pad(FileChannel out, long n) throws IOException {
        if (n > 0) writeFully(out, ByteBuffer.allocate((int) n));
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) all.writeBytes(p);
        return all.toByteArray();
    }

    /** Little-endian GGUF primitives into a growing byte array (headers are kilobytes). */
    private static final class Header {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u32(int v) { bytes.write(scratch.clear().putInt(v).array(), 0, 4); }

        void u64(long v) { bytes.write(scratch.clear().putLong(v).array(), 0, 8); }

        void f32(float v) { bytes.write(scratch.clear().putFloat(v).array(), 0, 4); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes.writeBytes(b);
        }

        int kvString(String key, String value) {
            string(key);
            u32(TYPE_STRING);
            string(value);
            return 1;
        }

        int kvUint32(String key, int value) {
            string(key);
            u32(TYPE_UINT32);
            u32(value);
            return 1;
        }

        int kvFloat32(String key, float value) {
            string(key);
            u32(TYPE_FLOAT32);
            f32(value);
            return 1;
        }

        byte[] bytes() { return bytes.toByteArray(); }
    }
}
