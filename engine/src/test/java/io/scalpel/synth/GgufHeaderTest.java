package io.scalpel.synth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GGUF structure as written, read back by a minimal independent parser (the round trip through
 * the engine's reader is in {@link SyntheticCheckpointTest}): magic, version, llama metadata, tensor
 * infos with ggml dims and aligned offsets, and a file that ends exactly where the last tensor does.
 */
class GgufHeaderTest {
    @TempDir Path dir;

    record Info(String name, long[] dims, int type, long offset) {}

    @Test
    void headerDescribesTheTensorsAsLlamaCppNamesThem() throws IOException {
        var spec = SyntheticCheckpoint.Spec.parse("dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=300,seq=64", "bf16", "gguf", 1);
        Path file = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x46554747, b.getInt(), "magic GGUF");
        assertEquals(3, b.getInt(), "version");
        long tensors = b.getLong(), kvs = b.getLong();
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvs; i++) {
            String key = string(b);
            int type = b.getInt();
            meta.put(key, switch (type) {
                case 4 -> b.getInt();
                case 6 -> b.getFloat();
                case 8 -> string(b);
                default -> throw new AssertionError("unexpected metadata type " + type + " for " + key);
            });
        }
        assertEquals("llama", meta.get("general.architecture"));
        assertEquals(32, meta.get("general.file_type"), "MOSTLY_BF16");
        assertEquals(64, meta.get("llama.embedding_length"));
        assertEquals(2, meta.get("llama.block_count"));
        assertEquals(160, meta.get("llama.feed_forward_length"));
        assertEquals(4, meta.get("llama.attention.head_count"));
        assertEquals(2, meta.get("llama.attention.head_count_kv"));
        assertEquals(16, meta.get("llama.rope.dimension_count"));
        assertEquals(300, meta.get("llama.vocab_size"));
        assertEquals(10000f, meta.get("llama.rope.freq_base"));
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensors; i++) {
            String name = string(b);
            long[] dims = new long[b.getInt()];
            for (int d = 0; d < dims.length; d++) dims[d] = b.getLong();
            infos.add(new Info(name, dims, b.getInt(), b.getLong()));
        }
        assertEquals(1 + 9 * 2 + 1, infos.size(), "embedding, 9 per layer, final norm; tied: no output.weight");
        Map<String, Info> byName = new LinkedHashMap<>();
        infos.forEach(i -> byName.put(i.name(), i));
        assertArrayEquals(new long[]{64, 300}, byName.get("token_embd.weight").dims(), "ggml dims: innermost first");
        assertArrayEquals(new long[]{64, 32}, byName.get("blk.1.attn_k.weight").dims());
        assertArrayEquals(new long[]{160, 64}, byName.get("blk.0.ffn_down.weight").dims());
        assertArrayEquals(new long[]{64}, byName.get("output_norm.weight").dims());
        for (Info i : infos) {
            assertEquals(30, i.type(), "ggml BF16");
            assertEquals(0, i.offset() % 32, i.name() + " aligned");
        }
        long dataStart = (b.position() + 31) / 32 * 32;
        Info last = infos.getLast();
        long lastBytes = 2;
        for (long d : last.dims()) lastBytes *= d;
        assertEquals(GgufStreamWriter.align(dataStart + last.offset() + lastBytes), b.capacity());
        // The norm gains are 1.0 in bf16 (0x3F80).
        Info norm = byName.get("blk.0.attn_norm.weight");
        assertEquals((short) 0x3F80, b.getShort((int) (dataStart + norm.offset())));
        assertTrue(infos.stream().anyMatch(i -> i.name().equals("blk.1.ffn_gate.weight")));
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[Math.toIntExact(b.getLong())];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
