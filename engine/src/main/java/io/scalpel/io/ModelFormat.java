package io.scalpel.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkpoint layouts Scalpel reads: a closed set, recognised by content, never by file name — a
 * GGUF saved as {@code .bin}, or a llama2.c checkpoint without an extension, opens all the same.
 */
public sealed interface ModelFormat {
    Path path();

    /** A short name for messages ("GGUF", "llama2.c", "Hugging Face directory"). */
    String description();

    /** A Hugging Face model directory: config.json + safetensors (single or sharded). */
    record HuggingFace(Path path) implements ModelFormat {
        @Override public String description() { return "Hugging Face directory"; }
    }

    /** A GGUF v2/v3 file. */
    record Gguf(Path path) implements ModelFormat {
        @Override public String description() { return "GGUF"; }
    }

    /** A llama2.c legacy {@code .bin} checkpoint. */
    record Llama2c(Path path) implements ModelFormat {
        @Override public String description() { return "llama2.c checkpoint"; }
    }

    /** Bytes read to recognise a file: the GGUF magic, the safetensors length + '{', llama2.c's 28-byte header. */
    int PROBE_BYTES = 28;

    /**
     * Recognises a model path by what it holds: a directory with config.json; a file starting with the
     * GGUF magic; a safetensors file (8-byte header length, then '{') or a config.json, both meaning the
     * Hugging Face directory around them; a llama2.c header whose numbers are plausible and whose weights
     * fit in the file.
     */
    static ModelFormat detect(Path path) {
        if (!Files.exists(path)) throw new CheckpointException(path, "no such file or directory");
        if (Files.isDirectory(path)) {
            if (!Files.exists(path.resolve("config.json"))) throw new CheckpointException(path, "directory has no config.json (expected a Hugging Face model directory)");
            return new HuggingFace(path);
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(PROBE_BYTES);
            size = Files.size(path);
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read: " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (head.length >= 4 && b.getInt(0) == GgufReader.MAGIC) return new Gguf(path);
        if (isSafetensors(b, size) || isJsonObject(head)) {
            Path dir = path.toAbsolutePath().getParent();
            if (!Files.exists(dir.resolve("config.json"))) {
                throw new CheckpointException(path, (isJsonObject(head) ? "a JSON file" : "a safetensors file")
                        + " with no config.json beside it (pass the Hugging Face model directory)");
            }
            return new HuggingFace(dir);
        }
        if (isLlama2c(b)) return new Llama2c(path);
        throw new CheckpointException(path, "unknown model format: not GGUF (no \"GGUF\" magic), not safetensors, not a llama2.c checkpoint"
                + " (implausible header) and not a Hugging Face directory");
    }

    /**
     * Whether the name of {@code given} (what the user passed) suggests a format other than the one its
     * content is: a GGUF called {@code .bin}, a llama2.c checkpoint called {@code .gguf}, a safetensors
     * file with neither. Names without a known extension mislead nobody.
     */
    public static boolean nameMisleads(Path given, ModelFormat recognised) {
        if (Files.isDirectory(given)) return false;
        String n = given.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean gguf = n.endsWith(".gguf"), bin = n.endsWith(".bin"), st = n.endsWith(".safetensors") || n.endsWith(".json");
        if (!gguf && !bin && !st) return false;
        return switch (recognised) {
            case Gguf g -> !gguf;
            case Llama2c l -> !bin;
            case HuggingFace h -> !st;
        };
    }

    private static boolean isSafetensors(ByteBuffer b, long size) {
        if (b.limit() < 9) return false;
        long headerLength = b.getLong(0);
        return headerLength > 1 && headerLength <= size - 8 && b.get(8) == '{';
    }

    private static boolean isJsonObject(byte[] head) {
        for (byte c : head) {
            if (c == '{') return true;
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
        }
        return false;
    }

    /**
     * The header's sizes are positive and within bounds no real model exceeds, and heads divide the width.
     * Whether the weights fit in the file is the reader's check, so a cut file says "truncated".
     */
    private static boolean isLlama2c(ByteBuffer b) {
        if (b.limit() < PROBE_BYTES) return false;
        long dim = b.getInt(0), hidden = b.getInt(4), layers = b.getInt(8), heads = b.getInt(12), kvHeads = b.getInt(16),
                vocab = Math.abs((long) b.getInt(20)), seq = b.getInt(24);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seq <= 0) return false;
        return dim % heads == 0 && heads % kvHeads == 0 && dim <= 1 << 20 && hidden <= 1 << 22 && layers <= 4096
                && vocab <= 1 << 24 && seq <= 1 << 24;
    }
}
