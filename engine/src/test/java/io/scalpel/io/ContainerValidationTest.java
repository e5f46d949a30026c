package io.scalpel.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The structural checks of the containers and of the config (issue #11): each case was accepted,
 * or ended in an exception other than a one-line {@link CheckpointException}, before them.
 */
class ContainerValidationTest {
    @TempDir Path dir;

    private static byte[] safetensors(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    private CheckpointException refusedSafetensors(String name, byte[] bytes, String... mustContain) throws IOException {
        Path file = Files.write(dir.resolve(name), bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                SafetensorsReader.open(file, arena);
            }
        });
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        for (String s : mustContain) assertTrue(e.getMessage().contains(s), "'" + s + "' in " + e.getMessage());
        return e;
    }

    private static final String TWO = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";

    @Test void wellFormedSafetensorsStillReads() throws IOException {
        Path file = Files.write(dir.resolve("ok.safetensors"), safetensors(TWO, new byte[16]));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(2, SafetensorsReader.open(file, arena).tensors().size());
        }
    }

    @Test void safetensorsStructureIsChecked() throws IOException {
        refusedSafetensors("overlap.safetensors", safetensors(TWO.replace("[8,16]", "[4,12]"), new byte[16]), "overlaps");
        refusedSafetensors("gap.safetensors", safetensors(TWO.replace("[8,16]", "[12,20]"), new byte[20]), "gap");
        refusedSafetensors("unclaimed.safetensors", safetensors(TWO, new byte[20]), "no tensor claims");
        refusedSafetensors("duplicate.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                new byte[16]), "Duplicate");
        refusedSafetensors("trailing.safetensors", safetensors(TWO + "{}", new byte[16]), "JSON");
        refusedSafetensors("overflow.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2305843009213693952,8],\"data_offsets\":[0,8]}}", new byte[8]), "64 bits");
        refusedSafetensors("fraction.safetensors", safetensors(TWO.replace("[2]", "[2.5]"), new byte[16]), "non-integer");
    }

    @Test void aHeaderLengthOffByOneIsRefused() throws IOException {
        byte[] ok = safetensors(TWO, new byte[16]);
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, TWO.length() + 1);
        refusedSafetensors("shifted.safetensors", ok);
    }

    @Test void shardPathsStayInsideTheModelDirectory() throws IOException {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Path index = model.resolve("model.safetensors.index.json");
        for (String shard : new String[]{"/etc/passwd", "../outside.safetensors", "sub/../../x.safetensors", "a\u0000b"}) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsReader.shardPath(index, shard));
            assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
        }
        assertEquals(model.toAbsolutePath().resolve("model-1.safetensors"), SafetensorsReader.shardPath(index, "model-1.safetensors"));
    }

    /** A copy of a golden model directory with its config.json edited. */
    private Path goldenWithConfig(Consumer<ObjectNode> edit) throws IOException {
        Path src = SharedData.require("golden/llama3_rope_scaling");
        Path dst = Files.createTempDirectory(dir, "model");
        Files.copy(src.resolve("model.safetensors"), dst.resolve("model.safetensors"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        edit.accept(config);
        json.writeValue(dst.resolve("config.json").toFile(), config);
        return dst;
    }

    private void configRefused(Consumer<ObjectNode> edit, String mustContain) throws IOException {
        Path model = goldenWithConfig(edit);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(model).close());
        assertTrue(e.getMessage().startsWith(model.resolve("config.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(mustContain), e.getMessage());
    }

    @Test void configValuesThatBreakTheForwardPassAreRefused() throws IOException {
        Checkpoint.open(goldenWithConfig(c -> {})).close();
        configRefused(c -> c.put("num_attention_heads", 0), "attention heads");
        configRefused(c -> c.put("num_attention_heads", 5), "divisible");
        configRefused(c -> c.put("rope_theta", 0.0), "rope_theta");
        configRefused(c -> c.put("rope_theta", -10000.0), "rope_theta");
        configRefused(c -> c.put("rms_norm_eps", -1e-5), "rms_norm_eps");
        configRefused(c -> ((ObjectNode) c.get("rope_scaling")).put("factor", 0.0), "factor");
        configRefused(c -> c.put("rope_theta", "big"), "rope_theta");
        configRefused(c -> c.put("num_key_value_heads", 3), "multiple");
    }

    /** Overwrites the u32 value of a GGUF metadata key in place (type tag 4 follows the key). */
    private static void setGgufU32(Path file, String key, int value) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 8; i + k.length + 8 < all.length; i++) {
            for (int j = 0; j < k.length; j++) if (all[i + j] != k[j]) continue outer;
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getLong(i - 8) != k.length || b.getInt(i + k.length) != 4) continue;
            b.putInt(i + k.length + 4, value);
            Files.write(file, all);
            return;
        }
        throw new AssertionError(key + " not found as a u32 in " + file);
    }

    @Test void ggufHeadCountZeroIsAOneLineError() throws IOException {
        Path file = Files.copy(SharedData.require("models/stories260K/stories260K.gguf"), dir.resolve("heads0.gguf"));
        setGgufU32(file, "llama.attention.head_count", 0);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(file).close());
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("heads"), e.getMessage());
    }

    @Test void ggufTensorWhoseTypeChangedIsRefused() throws IOException {
        // "a" is declared F16 (128 bytes for 64 values) but 256 bytes were written for it: b's offset no longer follows.
        Path file = new GgufTestWriter(3)
                .tensor("a", GgmlType.F16.id(), new long[] {64}, new byte[256])
                .tensor("b", GgmlType.F32.id(), new long[] {8}, new byte[32])
                .write(dir.resolve("retyped.gguf"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                GgufReader.open(file, arena);
            }
        });
        assertTrue(e.getMessage().contains("tensor b") && e.getMessage().contains("gap"), e.getMessage());
    }

    @Test void aFileTruncatedWhileMappedFaultsWithInternalError() throws IOException {
        // What the command line's boundary turns into "changed or truncated while it was being read".
        Path file = Files.write(dir.resolve("shrinks.safetensors"),
                safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[16384],\"data_offsets\":[0,65536]}}", new byte[65536]));
        try (Arena arena = Arena.ofConfined()) {
            var st = SafetensorsReader.open(file, arena);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(0);
            }
            InternalError e = assertThrows(InternalError.class, () -> st.tensor("a").toFloatArray());
            assertTrue(e.getMessage().contains("unsafe memory access"), e.getMessage());
        }
    }
}
