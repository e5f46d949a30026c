package io.scalpel.io;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a checkpoint can be wrong gives one line naming the file (and tensor) and the problem. */
class CheckpointBadInputTest {
    @TempDir Path dir;

    private static byte[] safetensors(String headerJson, int dataBytes) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length).put(header);
        return bb.array();
    }

    private Path copyFixture(String fixture) throws IOException {
        Path src = SharedData.require("golden/" + fixture);
        Path dst = dir.resolve(fixture);
        Files.createDirectories(dst);
        for (String f : new String[]{"config.json", "model.safetensors"}) Files.copy(src.resolve(f), dst.resolve(f));
        return dst;
    }

    private static CheckpointException fails(Path p) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(p).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test void missingPath() {
        Path p = dir.resolve("nope.gguf");
        assertTrue(fails(p).getMessage().startsWith(p.toString()));
    }

    @Test void unknownExtension() throws IOException {
        Path p = Files.writeString(dir.resolve("model.txt"), "hello");
        assertTrue(fails(p).getMessage().contains("unknown model format"));
    }

    @Test void truncatedSafetensors() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        byte[] all = Files.readAllBytes(m.resolve("model.safetensors"));
        Files.write(m.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length - 100));
        String msg = fails(m).getMessage();
        assertTrue(msg.contains("model.safetensors") && msg.contains("run past the end"), msg);
    }

    @Test void headerLengthPastEnd() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        Files.write(m.resolve("model.safetensors"), new byte[]{(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, '{', '}'});
        assertTrue(fails(m).getMessage().contains("bad safetensors header length"));
    }

    @Test void unknownDtype() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        Files.write(m.resolve("model.safetensors"), safetensors("{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
        String msg = fails(m).getMessage();
        assertTrue(msg.contains("tensor x") && msg.contains("F8_E4M3"), msg);
    }

    @Test void unknownArchitecture() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        String cfg = Files.readString(m.resolve("config.json")).replace("\"llama\"", "\"gpt_neox\"");
        Files.writeString(m.resolve("config.json"), cfg);
        String msg = fails(m).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("gpt_neox"), msg);
    }

    @Test void missingTensor() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        Files.write(m.resolve("model.safetensors"), safetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        assertTrue(fails(m).getMessage().contains("model.embed_tokens.weight is missing"));
    }

    @Test void misShapedTensor() throws IOException {
        Path m = copyFixture("llama_tiny_f32");
        String cfg = Files.readString(m.resolve("config.json")).replaceFirst("\"intermediate_size\": *\\d+", "\"intermediate_size\": 99");
        Files.writeString(m.resolve("config.json"), cfg);
        String msg = fails(m).getMessage();
        assertTrue(msg.contains("gate_proj") && msg.contains("expected [99"), msg);
    }

    @Test void truncatedLlama2c() throws IOException {
        byte[] all = Files.readAllBytes(SharedData.require("models/stories260K/stories260K.bin"));
        Path p = dir.resolve("cut.bin");
        Files.write(p, java.util.Arrays.copyOf(all, all.length / 2));
        String msg = fails(p).getMessage();
        assertTrue(msg.contains("cut.bin") && msg.contains("truncated"), msg);
    }
}
