package io.scalpel.surgery.export;

import io.scalpel.backend.Weight;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.lora.LoraTarget;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.stream.IntStream;

/**
 * A layer projection's bits as the backend holds them now — surgery edits and {@code --lora} updates
 * included, from device memory on a GPU — under the source tensor's name, dtype and shape. Exporters
 * take every projection from here and the tensors nothing edits (embeddings, norms, biases) from the
 * checkpoint. The bits are read when the writer asks for them, one tensor at a time, so a 7B export
 * holds one projection on the heap, not the model.
 */
final class ResidentTensors {
    private ResidentTensors() {}

    private static Tensor current(Transformer model, int layer, LoraTarget target, Tensor original) {
        Weight w = target.of(model.layers().get(layer));
        byte[] bits = model.backend().readRows(w, IntStream.range(0, w.rows()).toArray());
        return new Tensor(original.name(), original.dtype(), original.shape(), MemorySegment.ofArray(bits));
    }

    /** A change of a tensor's bytes made at write time (a row permutation), into memory of the given arena. */
    @FunctionalInterface
    interface Transform {
        Transform NONE = (t, arena) -> t;

        Tensor apply(Tensor t, Arena arena);
    }

    /** Writes {@link #current} of the projection, passed through {@code transform}; its memory lives for this one tensor. */
    static SafetensorsWriter.TensorBytes bytes(Transformer model, int layer, LoraTarget target, Tensor original, Transform transform) {
        return out -> {
            try (Arena arena = Arena.ofConfined()) {
                write(transform.apply(current(model, layer, target, original), arena).data(), out);
            }
        };
    }

    /** The projection's current values widened to fp32, written little-endian (for formats without its block type). */
    static SafetensorsWriter.TensorBytes decodedF32(Transformer model, int layer, LoraTarget target, Tensor original) {
        return out -> writeFloats(current(model, layer, target, original).toFloatArray(), out);
    }

    /** fp32 values as little-endian bytes, whatever the platform's order. */
    static void writeFloats(float[] values, java.nio.channels.WritableByteChannel out) throws java.io.IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; ) {
            buf.clear();
            int n = Math.min(buf.capacity() / Float.BYTES, values.length - i);
            buf.asFloatBuffer().put(values, i, n);
            buf.limit(n * Float.BYTES);
            while (buf.hasRemaining()) out.write(buf);
            i += n;
        }
    }

    private static void write(MemorySegment data, java.nio.channels.WritableByteChannel out) throws java.io.IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long pos = 0; pos < data.byteSize(); pos += buf.capacity()) {
            int n = (int) Math.min(buf.capacity(), data.byteSize() - pos);
            buf.clear().limit(n);
            MemorySegment.ofBuffer(buf).copyFrom(data.asSlice(pos, n));
            while (buf.hasRemaining()) out.write(buf);
        }
    }
}
