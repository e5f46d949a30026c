package io.scalpel.io;

import io.scalpel.io.GgufTestWriter.Value;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GgufReaderTest {
    private static final int F32 = 0, F16 = 1, Q8_0 = 8, Q5_K = 13, BF16 = 30;

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsEveryMetadataType(int version) {
        Path file = new GgufTestWriter(version)
                .meta("u8", Value.u8(200)).meta("i8", Value.i8(-5)).meta("u16", Value.u16(60000)).meta("i16", Value.i16(-300))
                .meta("u32", Value.u32(4_000_000_000L)).meta("i32", Value.i32(-7)).meta("u64", Value.u64(1L << 40))
                .meta("i64", Value.i64(-(1L << 40))).meta("f32", Value.f32(1.5f)).meta("f64", Value.f64(2.25))
                .meta("yes", Value.bool(true)).meta("name", Value.string("tiny ✓"))
                .meta("words", Value.strings("a", "", "▁b")).meta("ints", Value.i32s(1, -2, 3))
                .meta("floats", Value.f32s(0.5f, -1f)).meta("nested", Value.nested(new int[] {1, 2}, new int[] {3}))
                .write(tmp.resolve("meta.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena);
            GgufMetadata m = gguf.metadata();
            assertEquals(version, gguf.version());
            assertEquals(200, m.getInt("u8", 0));
            assertEquals(-5, m.getInt("i8", 0));
            assertEquals(60000, m.getInt("u16", 0));
            assertEquals(-300, m.getInt("i16", 0));
            assertEquals(4_000_000_000L, m.getLong("u32", 0));
            assertThrows(IllegalArgumentException.class, () -> m.getInt("u32", 0), "does not fit in an int");
            assertEquals(-7, m.getInt("i32", 0));
            assertEquals(1L << 40, m.getLong("u64", 0));
            assertEquals(-(1L << 40), m.getLong("i64", 0));
            assertEquals(1.5f, m.getFloat("f32", 0));
            assertEquals(2.25f, m.getFloat("f64", 0));
            assertTrue(m.getBoolean("yes", false));
            assertEquals("tiny ✓", m.getString("name", null));
            assertEquals(List.of("a", "", "▁b"), m.getStringList("words"));
            assertArrayEquals(new int[] {1, -2, 3}, m.getIntArray("ints"));
            assertArrayEquals(new float[] {0.5f, -1f}, m.getFloatArray("floats"));
            List<?> nested = (List<?>) m.get("nested");
            assertArrayEquals(new int[] {1, 2}, (int[]) nested.get(0));
            assertArrayEquals(new int[] {3}, (int[]) nested.get(1));
            assertEquals("fallback", m.getString("absent", "fallback"));
            assertEquals(42, m.getInt("absent", 42));
            assertNull(m.getStringList("absent"));
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> m.getString("i32", null));
            assertTrue(wrong.getMessage().contains("i32"), wrong.getMessage());
            assertEquals(32, gguf.alignment());
            assertTrue(gguf.tensorInfos().isEmpty());
        }
    }

    @Test
    void plainTypesAreZeroCopySlicesWithRowMajorShape() {
        short[] halves = {Float.floatToFloat16(1f), Float.floatToFloat16(-2f), Float.floatToFloat16(0.5f), Float.floatToFloat16(3f)};
        short[] bf = {(short) (Float.floatToRawIntBits(1.5f) >>> 16), (short) (Float.floatToRawIntBits(-4f) >>> 16)};
        Path file = new GgufTestWriter(3)
                .tensor("m", F32, new long[] {3, 2}, GgufTestWriter.floats(1, 2, 3, 4, 5, 6)) // 2 rows of 3
                .tensor("h", F16, new long[] {2, 2}, GgufTestWriter.shorts(halves))
                .tensor("b", BF16, new long[] {2}, GgufTestWriter.shorts(bf))
                .write(tmp.resolve("plain.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena);
            Tensor m = gguf.tensor("m", arena);
            assertEquals(DType.F32, m.dtype());
            assertArrayEquals(new long[] {2, 3}, m.shape());
            assertEquals(2, m.rows());
            assertEquals(3, m.cols());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, m.toFloatArray());
            assertEquals(gguf.mapping().address() + gguf.tensorInfo("m").offset(), m.data().address(), "F32 must be a slice of the mapping");
            assertEquals(0, gguf.tensorInfo("m").offset() % 32);

            Tensor h = gguf.tensor("h", arena);
            assertEquals(DType.F16, h.dtype());
            assertArrayEquals(new float[] {1, -2, 0.5f, 3}, h.toFloatArray());
            assertEquals(gguf.mapping().address() + gguf.tensorInfo("h").offset(), h.data().address());

            Tensor b = gguf.tensor("b", arena);
            assertEquals(DType.BF16, b.dtype());
            assertArrayEquals(new long[] {2}, b.shape());
            assertArrayEquals(new float[] {1.5f, -4f}, b.toFloatArray());
            assertEquals(List.of("m", "h", "b"), gguf.tensors(arena).keySet().stream().toList());
        }
    }

    @Test
    void q8_0StaysAsStoredAndDecodesByTheBlockFormula() {
        // Two rows of 32 (one block each): scale 0.5 and -0.25, quants -128..127 spread.
        ByteBuffer blocks = ByteBuffer.allocate(2 * 34).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[64];
        float[] scales = {0.5f, -0.25f};
        for (int b = 0; b < 2; b++) {
            blocks.putShort(Float.floatToFloat16(scales[b]));
            for (int i = 0; i < 32; i++) {
                byte q = (byte) (i * 8 - 128 + b);
                blocks.put(q);
                expected[b * 32 + i] = scales[b] * q;
            }
        }
        Path file = new GgufTestWriter(3).tensor("q", Q8_0, new long[] {32, 2}, blocks.array()).write(tmp.resolve("q8.gguf"));
        try (Arena mapArena = Arena.ofConfined(); Arena weights = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, mapArena);
            assertEquals(GgmlType.Q8_0, gguf.tensorInfo("q").type());
            assertEquals(68, gguf.tensorInfo("q").byteSize());
            Tensor q = gguf.tensor("q", weights);
            assertEquals(DType.Q8_0, q.dtype());
            assertArrayEquals(new long[] {2, 32}, q.shape());
            assertEquals(68, q.data().byteSize(), "kept in the file's encoding: memory is the file's size");
            assertEquals(gguf.tensorInfo("q").offset(), q.data().address() - gguf.mapping().address(), "a slice of the mapping, not a copy");
            assertArrayEquals(expected, q.toFloatArray());
            assertEquals(expected[33], q.getFloat(33));
        }
    }

    @Test
    void q8_0ManyBlocksMatchTheBlockFormula() {
        int cols = 32 * 520, rows = 2; // 1040 blocks: more than one dequantisation chunk
        java.util.Random random = new java.util.Random(7);
        ByteBuffer blocks = ByteBuffer.allocate(rows * cols / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[rows * cols];
        for (int b = 0; b < rows * cols / 32; b++) {
            short d = Float.floatToFloat16(random.nextFloat() * 0.1f - 0.05f);
            blocks.putShort(d);
            for (int i = 0; i < 32; i++) {
                byte q = (byte) random.nextInt(256);
                blocks.put(q);
                expected[b * 32 + i] = Float.float16ToFloat(d) * q;
            }
        }
        Path file = new GgufTestWriter(3).tensor("big", Q8_0, new long[] {cols, rows}, blocks.array()).write(tmp.resolve("q8big.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = GgufReader.open(file, arena).tensor("big", arena);
            assertArrayEquals(new long[] {rows, cols}, t.shape());
            assertArrayEquals(expected, t.toFloatArray());
        }
    }

    @Test
    void honoursCustomAlignment() {
        Path file = new GgufTestWriter(3).alignment(64)
                .tensor("a", F32, new long[] {3}, GgufTestWriter.floats(1, 2, 3))
                .tensor("b", F32, new long[] {1}, GgufTestWriter.floats(9))
                .write(tmp.resolve("align.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena);
            assertEquals(64, gguf.alignment());
            assertEquals(0, gguf.dataStart() % 64);
            assertEquals(gguf.dataStart() + 64, gguf.tensorInfo("b").offset());
            assertArrayEquals(new float[] {9}, gguf.tensor("b", arena).toFloatArray());
        }
    }

    @Test
    void unsupportedTypeOpensButFailsOnAccessNamingFileAndTensor() {
        Path file = new GgufTestWriter(3).meta("tokenizer.ggml.model", Value.string("llama"))
                .tensor("blk.0.ffn_up.weight", Q5_K, new long[] {256, 1}, new byte[176]).write(tmp.resolve("q5k.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena); // metadata (e.g. the tokenizer) stays usable
            assertEquals("llama", gguf.metadata().getString("tokenizer.ggml.model", null));
            CheckpointException e = assertThrows(CheckpointException.class, () -> gguf.tensor("blk.0.ffn_up.weight", arena));
            assertOneLineNaming(e, file, "blk.0.ffn_up.weight", "Q5_K");
            assertOneLineNaming(assertThrows(CheckpointException.class, () -> gguf.tensor("nope", arena)), file, "nope");
        }
    }

    // ---- bad input ----

    @Test
    void missingFile() {
        Path file = tmp.resolve("absent.gguf");
        assertOneLineNaming(open(file), file, "no such file");
    }

    @Test
    void directoryInsteadOfFile() {
        assertOneLineNaming(open(tmp), tmp, "directory");
    }

    @Test
    void badMagic() throws IOException {
        Path file = Files.write(tmp.resolve("bad.gguf"), "NOPE and then some more bytes to pass the size check".getBytes());
        assertOneLineNaming(open(file), file, "not a GGUF file");
    }

    @Test
    void unsupportedVersions() {
        Path v1 = new GgufTestWriter(1).write(tmp.resolve("v1.gguf"));
        assertOneLineNaming(open(v1), v1, "version 1");
        Path bigEndian = new GgufTestWriter(Integer.reverseBytes(3)).write(tmp.resolve("be.gguf"));
        assertOneLineNaming(open(bigEndian), bigEndian, "big-endian");
    }

    @Test
    void everyTruncationIsACheckpointException() throws IOException {
        byte[] whole = new GgufTestWriter(3).meta("general.name", Value.string("t")).meta("ids", Value.i32s(1, 2, 3))
                .tensor("w", F32, new long[] {4, 2}, GgufTestWriter.floats(1, 2, 3, 4, 5, 6, 7, 8)).bytes();
        Path file = tmp.resolve("cut.gguf");
        for (int length = 0; length < whole.length; length++) {
            Files.write(file, Arrays.copyOf(whole, length));
            CheckpointException e = open(file);
            assertOneLineNaming(e, file);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("past the end"), length + ": " + e.getMessage());
        }
        Files.write(file, whole);
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, GgufReader.open(file, arena).tensor("w", arena).toFloatArray());
        }
    }

    @Test
    void tensorDataPastEndOfFile() {
        Path file = new GgufTestWriter(3).tensorAt("token_embd.weight", F32, new long[] {64, 64}, 1024).write(tmp.resolve("short.gguf"));
        assertOneLineNaming(open(file), file, "token_embd.weight", "past the end");
    }

    @Test
    void unknownTensorType() {
        Path file = new GgufTestWriter(3).tensor("odd", 99, new long[] {4}, new byte[16]).write(tmp.resolve("odd.gguf"));
        assertOneLineNaming(open(file), file, "odd", "unknown ggml type id 99");
    }

    @Test
    void unknownMetadataTypeAndAbsurdLengths() {
        Path tag = new GgufTestWriter(3).meta("weird", Value.unknownType(77)).write(tmp.resolve("tag.gguf"));
        assertOneLineNaming(open(tag), tag, "unknown type 77");
        Path count = new GgufTestWriter(3).meta("general.name", Value.string("x")).write(tmp.resolve("count.gguf"));
        byte[] bytes = new GgufTestWriter(3).meta("general.name", Value.string("x")).bytes();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE); // metadata count
        write(count, bytes);
        assertOneLineNaming(open(count), count, "metadata count");
    }

    @Test
    void misalignedTensorOffset() {
        Path file = new GgufTestWriter(3).tensorAt("w", F32, new long[] {1}, 4).write(tmp.resolve("misaligned.gguf"));
        assertOneLineNaming(open(file), file, "w", "alignment");
    }

    // ---- real files ----

    @Test
    void stories260KMatchesTheLlama2cCheckpoint() throws IOException {
        Path gguf = SharedData.require("models/stories260K/stories260K.gguf");
        Path bin = SharedData.require("models/stories260K/stories260K.bin");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile file = GgufReader.open(gguf, arena);
            assertEquals(3, file.version());
            assertEquals(48, file.tensorInfos().size());
            assertEquals(64, file.metadata().getInt("llama.embedding_length", 0));
            assertEquals(512, file.metadata().getStringList("tokenizer.ggml.tokens").size());
            Tensor embeddings = file.tensor("token_embd.weight", arena);
            assertArrayEquals(new long[] {512, 64}, embeddings.shape());
            assertArrayEquals(new long[] {172, 64}, file.tensorInfo("blk.0.ffn_gate.weight").shape());
            assertArrayEquals(new long[] {64, 172}, file.tensorInfo("blk.0.ffn_down.weight").shape());
            // llama2.c's .bin: 7 int32 header, then the token embedding table, row-major [vocab, dim].
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = new float[512 * 64];
            b.position(28);
            b.asFloatBuffer().get(expected);
            assertArrayEquals(expected, embeddings.toFloatArray());
            for (Tensor t : file.tensors(arena).values()) assertEquals(DType.F32, t.dtype(), t.name());
        }
    }

    @Test
    void llama2TinyRandomHasF16MatricesAndF32Norms() {
        Path gguf = SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile file = GgufReader.open(gguf, arena);
            Tensor embd = file.tensor("token_embd.weight", arena);
            assertEquals(DType.F16, embd.dtype());
            assertArrayEquals(new long[] {32000, 8}, embd.shape());
            assertEquals(DType.F32, file.tensor("output_norm.weight", arena).dtype());
            assertArrayEquals(new long[] {32, 8}, file.tensor("blk.0.ffn_gate.weight", arena).shape());
            for (float v : file.tensor("output.weight", arena).toFloatArray()) assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void vocabularyOnlyFilesHaveNoTensors() {
        for (String name : List.of("ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf")) {
            Path gguf = SharedData.require("tokenizers/llama.cpp-vocab/" + name);
            try (Arena arena = Arena.ofConfined()) {
                GgufFile file = GgufReader.open(gguf, arena);
                assertTrue(file.tensorInfos().isEmpty());
                assertFalse(file.metadata().getStringList("tokenizer.ggml.tokens").isEmpty());
            }
        }
    }

    /** Files over 2 GB: a sparse file with a tensor at 2.5 GB (no real disk use), a zero filler tensor before it. */
    @Test
    void readsTensorsPastTwoGigabytes() throws IOException {
        long farOffset = 5L << 29; // 2.5 GiB, a multiple of 32
        GgufTestWriter writer = new GgufTestWriter(3)
                .tensor("near", F32, new long[] {2}, GgufTestWriter.floats(1, 2))
                .tensorAt("filler", F32, new long[] {(farOffset - 32) / 4}, 32)
                .tensorAt("far", F32, new long[] {4}, farOffset);
        Path file = writer.write(tmp.resolve("big.gguf"));
        // Header alone: "filler" and "far" lie past the end, as they should until the file grows.
        assertOneLineNaming(open(file), file, "filler");
        long dataStart = Files.size(file) - 8; // the data section so far holds only "near" (8 bytes)
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + farOffset + 16);
            raf.seek(dataStart + farOffset);
            raf.write(GgufTestWriter.floats(7, 8, 9, 10));
        }
        try (Arena arena = Arena.ofConfined()) {
            GgufFile gguf = GgufReader.open(file, arena);
            assertEquals(dataStart, gguf.dataStart());
            assertTrue(gguf.mapping().byteSize() > (1L << 31));
            assertArrayEquals(new float[] {7, 8, 9, 10}, gguf.tensor("far", arena).toFloatArray());
            assertArrayEquals(new float[] {1, 2}, gguf.tensor("near", arena).toFloatArray());
        }
    }

    private static CheckpointException open(Path file) {
        return assertThrows(CheckpointException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                GgufReader.open(file, arena);
            }
        });
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertOneLineNaming(RuntimeException e, Path file, String... parts) {
        String message = e.getMessage();
        assertFalse(message.contains("\n"), "message must be one line: " + message);
        assertTrue(message.contains(file.toString()), "message must name the file: " + message);
        for (String p : parts) assertTrue(message.contains(p), "message must mention '" + p + "': " + message);
    }
}
