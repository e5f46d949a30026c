package io.scalpel.io;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {
    @TempDir Path dir;

    @Test
    void roundTripsEveryDtypeAndMetadata() {
        float[] f = {1.5f, -2.25f, 3.0e-3f, 65504f, -0.0f, 7f};
        int[] ints = {0, -1, Integer.MAX_VALUE, 42};
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter()
                .metadata("alpha", "1.08").metadata(Map.of("format", "test"))
                .addFloats("f32", DType.F32, new long[]{2, 3}, f)
                .addFloats("f16", DType.F16, new long[]{6}, f)
                .addFloats("bf16", DType.BF16, new long[]{3, 2}, f)
                .addInts("rows", new long[]{2, 2}, ints)
                .write(file, SafetensorsWriter.WriteMode.CREATE_NEW);

        try (Arena arena = Arena.ofConfined()) {
            var st = SafetensorsReader.open(file, arena);
            assertEquals(Map.of("alpha", "1.08", "format", "test"), st.metadata());
            assertArrayEquals(f, st.tensor("f32").toFloatArray());
            assertArrayEquals(new long[]{2, 3}, st.tensor("f32").shape());
            float[] f16 = st.tensor("f16").toFloatArray();
            float[] bf16 = st.tensor("bf16").toFloatArray();
            for (int i = 0; i < f.length; i++) {
                assertEquals(DType.F16.decode(DType.F16.encode(f[i])), f16[i]);
                assertEquals(DType.BF16.decode(DType.BF16.encode(f[i])), bf16[i]);
            }
            Tensor rows = st.tensor("rows");
            assertEquals(DType.I32, rows.dtype());
            for (int i = 0; i < ints.length; i++) assertEquals(ints[i], rows.data().getAtIndex(Tensor.I32_LE, i));
        }
    }

    @Test
    void headerIsPaddedToEightBytes() throws IOException {
        Path file = dir.resolve("pad.safetensors");
        new SafetensorsWriter().metadata("k", "v").addFloats("x", DType.F32, new long[]{1}, new float[]{1f})
                .write(file, SafetensorsWriter.WriteMode.CREATE_NEW);
        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        assertEquals(8 + headerLen + 4, bytes.length);
    }

    @Test
    void copiesMappedTensorsAndStreamedBytes() {
        Path first = dir.resolve("a.safetensors");
        float[] big = new float[(1 << 20) + 3]; // more than one copy chunk
        for (int i = 0; i < big.length; i++) big[i] = i * 0.5f;
        new SafetensorsWriter().addFloats("w", DType.F32, new long[]{big.length}, big).write(first, SafetensorsWriter.WriteMode.CREATE_NEW);
        Path second = dir.resolve("b.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = SafetensorsReader.open(first, arena).tensor("w");
            new SafetensorsWriter().add("copy", w)
                    .add("streamed", DType.I32, new long[]{2}, out -> out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(9).flip()))
                    .write(second, SafetensorsWriter.WriteMode.CREATE_NEW);
            var st = SafetensorsReader.open(second, arena);
            assertArrayEquals(big, st.tensor("copy").toFloatArray());
            assertEquals(9, st.tensor("streamed").data().getAtIndex(Tensor.I32_LE, 1));
        }
    }

    @Test
    void refusesToOverwriteUnlessTold() throws IOException {
        Path file = dir.resolve("x.safetensors");
        Files.writeString(file, "keep me");
        var writer = new SafetensorsWriter().addInts("i", new long[]{1}, new int[]{1});
        var e = assertThrows(CheckpointException.class, () -> writer.write(file, SafetensorsWriter.WriteMode.CREATE_NEW));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("keep me", Files.readString(file));
        writer.write(file, SafetensorsWriter.WriteMode.REPLACE_EXISTING);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(1, SafetensorsReader.open(file, arena).tensor("i").data().getAtIndex(Tensor.I32_LE, 0));
        }
    }

    @Test
    void failedWriteLeavesNoFileBehind() throws IOException {
        Path file = dir.resolve("broken.safetensors");
        var writer = new SafetensorsWriter()
                .addInts("ok", new long[]{1}, new int[]{1})
                .add("short", DType.F32, new long[]{4}, out -> out.write(ByteBuffer.allocate(4)));
        var e = assertThrows(CheckpointException.class, () -> writer.write(file, SafetensorsWriter.WriteMode.CREATE_NEW));
        assertTrue(e.getMessage().contains("short"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no target and no temporary file may remain");
        }
    }

    @Test
    void rejectsBadInput() {
        var w = new SafetensorsWriter().addInts("a", new long[]{1}, new int[]{1});
        assertThrows(IllegalArgumentException.class, () -> w.addInts("a", new long[]{1}, new int[]{2}));
        assertThrows(IllegalArgumentException.class, () -> w.addFloats("b", DType.F32, new long[]{3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.addFloats("c", DType.I32, new long[]{1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", new Tensor("t", DType.F32, new long[]{0}, MemorySegment.NULL)));
    }
}
