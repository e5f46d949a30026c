package io.scalpel.synth;

import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufModelMetadata;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.DType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a random-weight Llama checkpoint of a given shape, dtype and format, for benchmarks and
 * tests that need a model of a real size without downloading one. Weights are N(0, 0.02), norm gains
 * 1; the same spec and seed give the same bytes. Everything streams to disk (a 7B F16 file is 13 GB),
 * first into a hidden temporary beside the target, then moved into place in one rename, so a reader
 * never sees half a file. An existing target is never overwritten.
 */
public final class SyntheticCheckpoint {
    private SyntheticCheckpoint() {}

    /**
     * @param label shape's name as given ("110M", or the custom spec), recorded in the file's metadata
     */
    public record Spec(String label, ModelConfig shape, DType dtype, TypeMix mix, SyntheticFormat format, long seed) {
        public Spec(String label, ModelConfig shape, DType dtype, SyntheticFormat format, long seed) {
            this(label, shape, dtype, TypeMix.UNIFORM, format, seed);
        }

        public Spec {
            java.util.Objects.requireNonNull(mix, "mix");
            if (mix == TypeMix.Q4_K_M && dtype != DType.Q4_K) throw new IllegalArgumentException("the Q4_K_M mix is a Q4_K file, not " + dtype);
            if (!dtype.isFloat()) throw new IllegalArgumentException("synthetic weights are f32, f16, bf16 or a GGUF quantized type, not " + dtype);
            if (dtype.isQuantized() && format != SyntheticFormat.GGUF) {
                String word = mix == TypeMix.Q4_K_M ? "q4_k_m" : dtype.name().toLowerCase(Locale.ROOT);
                throw new IllegalArgumentException(word + " is a GGUF encoding: write it with --format gguf");
            }
            if (format == SyntheticFormat.LLAMA2C && dtype != DType.F32) {
                throw new IllegalArgumentException("llama2.c .bin files hold fp32 only; write " + dtype.name().toLowerCase(Locale.ROOT)
                        + " as safetensors or gguf");
            }
        }

        /**
         * Parses the command-line words: shape (name or spec), dtype f32|f16|bf16|q8_0|q4_0|q4_k|q6_k|q4_k_m,
         * format safetensors|gguf|llama2c.
         */
        public static Spec parse(String shape, String dtype, String format, long seed) {
            String word = dtype.toLowerCase(Locale.ROOT);
            TypeMix mix = word.equals("q4_k_m") ? TypeMix.Q4_K_M : TypeMix.UNIFORM;
            DType dt = switch (word) {
                case "f32" -> DType.F32;
                case "f16" -> DType.F16;
                case "bf16" -> DType.BF16;
                case "q8_0" -> DType.Q8_0;
                case "q4_0" -> DType.Q4_0;
                case "q4_k", "q4_k_m" -> DType.Q4_K;
                case "q6_k" -> DType.Q6_K;
                default -> throw new IllegalArgumentException("unknown dtype \"" + dtype + "\" (expected f32, f16, bf16, q8_0, q4_0, q4_k, q6_k or q4_k_m)");
            };
            return new Spec(shape, ModelShapes.parse(shape), dt, mix, SyntheticFormat.parse(format), seed);
        }

        /** A descriptive file or directory name, e.g. {@code synth-110M-f32-s1.bin}. */
        public String fileName() {
            String base = "synth-" + label.replaceAll("[^A-Za-z0-9]+", "_") + "-" + dtypeWord() + "-s" + seed;
            return switch (format) {
                case SAFETENSORS -> base;
                case GGUF -> base + ".gguf";
                case LLAMA2C -> base + ".bin";
            };
        }

        /** The dtype as the command line spells it ("bf16", "q4_k_m"). */
        public String dtypeWord() {
            return mix == TypeMix.Q4_K_M ? "q4_k_m" : dtype.name().toLowerCase(Locale.ROOT);
        }

        /**
         * The type tensor {@code t} is stored as: the spec's dtype (for the Q4_K_M mix, the type
         * {@link TypeMix} gives the tensor), except that with a quantized dtype the vectors (norm gains) and
         * any matrix whose rows are not whole blocks stay F32 — llama.cpp also keeps norms in F32 (and falls
         * back to another type for such matrices; F32 is the simple, exact choice).
         */
        public DType storedType(PlannedTensor t) {
            if (format == SyntheticFormat.LLAMA2C) return DType.F32;
            if (!dtype.isQuantized()) return dtype;
            long[] s = t.shape();
            if (s.length < 2) return DType.F32;
            DType wanted = mix.typeOf(t.name(), dtype, shape.layers(), shape.tiedEmbeddings());
            return s[s.length - 1] % wanted.blockSize() == 0 ? wanted : DType.F32;
        }

        /** llama.cpp's {@code general.file_type} for the file (15 for the Q4_K_M mix; else by the dtype). */
        public int fileType() {
            return mix == TypeMix.Q4_K_M ? TypeMix.Q4_K_M_FILE_TYPE : GgufModelMetadata.fileType(GgmlType.of(dtype));
        }

        /** Bytes of tensor data the checkpoint will hold. */
        public long weightBytes() {
            return TensorPlan.of(format, shape).stream().mapToLong(t -> storedType(t).byteSize(t.elements())).sum();
        }
    }

    /** Writes {@code spec} at {@code target} (a directory for safetensors, a file otherwise) and returns it. */
    public static Path write(Spec spec, Path target) throws IOException {
        return write(spec, target, Runtime.getRuntime().availableProcessors());
    }

    public static Path write(Spec spec, Path target, int threads) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute)) throw new FileAlreadyExistsException(absolute.toString(), null, "refusing to overwrite");
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        List<PlannedTensor> plan = TensorPlan.of(spec.format(), spec.shape());
        Path temp = spec.format() == SyntheticFormat.SAFETENSORS
                ? io.scalpel.io.StagingPaths.createDirectory(parent, "." + absolute.getFileName() + ".")
                : io.scalpel.io.StagingPaths.createFile(parent, "." + absolute.getFileName() + ".", ".partial");
        try (TensorStreamer streamer = new TensorStreamer(spec.seed(), Math.max(1, threads))) {
            switch (spec.format()) {
                case SAFETENSORS -> {
                    Files.writeString(temp.resolve("config.json"), HuggingFaceConfigJson.of(spec.shape(), spec.dtype()));
                    SafetensorsWriter writer = new SafetensorsWriter()
                            .metadata(Map.of("format", "pt", "scalpel.synthetic", spec.label() + " seed " + spec.seed()));
                    for (PlannedTensor t : plan) writer.add(t.name(), spec.dtype(), t.shape(), out -> streamer.write(out, t, spec.dtype()));
                    writer.write(temp.resolve("model.safetensors"), SafetensorsWriter.WriteMode.CREATE_NEW);
                }
                case GGUF -> {
                    try (FileChannel out = open(temp)) {
                        GgufStreamWriter.write(out, spec.shape(), "scalpel synthetic " + spec.label(), plan, spec.fileType(), spec::storedType, streamer);
                        out.force(true);
                    }
                }
                case LLAMA2C -> {
                    try (FileChannel out = open(temp)) {
                        Llama2cStreamWriter.write(out, spec.shape(), plan, streamer);
                        out.force(true);
                    }
                }
            }
            // Checked again: another writer may have finished the same target meanwhile; rename would replace it.
            if (Files.exists(absolute)) throw new FileAlreadyExistsException(absolute.toString(), null, "appeared while writing; refusing to overwrite");
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            return absolute;
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temp);
            throw e;
        }
    }

    private static FileChannel open(Path existingTemp) throws IOException {
        return FileChannel.open(existingTemp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void deleteRecursively(Path p) {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException ignored) {
            // Best effort: a leftover hidden temporary is harmless and named after its target.
        }
    }
}
