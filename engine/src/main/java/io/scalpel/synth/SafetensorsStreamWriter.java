package io.scalpel.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file whose tensors are generated while writing: the header is
 * computed from the plan alone (every size is known up front), then the data streams in plan order.
 * Minimal on purpose — a general writer that takes existing tensors belongs in {@code io.scalpel.io}.
 */
final class SafetensorsStreamWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsStreamWriter() {}

    static void write(FileChannel out, List<PlannedTensor> plan, DType dtype, Map<String, String> metadata,
                      TensorStreamer streamer) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (PlannedTensor t : plan) {
            long bytes = t.elements() * dtype.bytes();
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", dtype.name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
        int padded = (json.length + 8 + 7) / 8 * 8 - 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        while (head.hasRemaining()) out.write(head);
        long data = 0;
        for (PlannedTensor t : plan) data += streamer.write(out, t, dtype);
        if (data != offset) throw new IllegalStateException("wrote " + data + " data bytes, header promised " + offset);
    }
}
