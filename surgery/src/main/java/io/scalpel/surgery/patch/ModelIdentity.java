package io.scalpel.surgery.patch;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * What a patch was made for: the model's shape and a SHA-256 over the raw bytes of every layer's
 * gate_proj weight in layer order. The hash is over stored bytes, so an fp16 and a bf16 copy of one
 * model are different bases ({@code gateDtype} says so in the refusal) — a patch's row indices and
 * direction are only meaningful on the weights it was computed from.
 */
public record ModelIdentity(String architecture, int hiddenSize, int numLayers, int intermediateSize, int vocabSize,
                            String gateDtype, String gateSha256) {
    public ModelIdentity {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(gateDtype, "gate dtype");
        Objects.requireNonNull(gateSha256, "gate hash");
        if (hiddenSize < 1 || numLayers < 1 || intermediateSize < 1 || vocabSize < 1) {
            throw new IllegalArgumentException("model dimensions must be positive: hidden " + hiddenSize + ", layers " + numLayers
                    + ", intermediate " + intermediateSize + ", vocab " + vocabSize);
        }
    }

    /** SHA-256 (lower-case hex) over the gate_proj tensors' raw bytes, in the order given (layer order). */
    public static String gateHash(List<Tensor> gateProjByLayer) {
        return gateHash(gateProjByLayer.size(), layer -> gateProjByLayer.get(layer).data());
    }

    /** SHA-256 over {@code bytesOfLayer.apply(0..layers-1)}, for callers holding weights elsewhere (e.g. on a device, copied back). */
    public static String gateHash(int layers, IntFunction<MemorySegment> bytesOfLayer) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        long chunk = 1L << 30; // ByteBuffer views are limited to 2 GB; hash big tensors in slices
        for (int layer = 0; layer < layers; layer++) {
            MemorySegment seg = bytesOfLayer.apply(layer);
            for (long pos = 0; pos < seg.byteSize(); pos += chunk) {
                sha.update(seg.asSlice(pos, Math.min(chunk, seg.byteSize() - pos)).asByteBuffer());
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The dtype name recorded for a list of gate tensors (all must share one). */
    public static String gateDtype(List<Tensor> gateProjByLayer) {
        DType first = gateProjByLayer.getFirst().dtype();
        for (Tensor t : gateProjByLayer) {
            if (t.dtype() != first) throw new IllegalArgumentException("gate_proj tensors mix dtypes: " + first + " and " + t.dtype() + " (" + t.name() + ")");
        }
        return first.name();
    }

    /** Human-readable differences from {@code other}; empty when they match. */
    public List<String> differences(ModelIdentity other) {
        List<String> d = new ArrayList<>();
        if (!architecture.equals(other.architecture)) d.add("architecture " + architecture + " vs " + other.architecture);
        if (hiddenSize != other.hiddenSize) d.add("hidden size " + hiddenSize + " vs " + other.hiddenSize);
        if (numLayers != other.numLayers) d.add("layers " + numLayers + " vs " + other.numLayers);
        if (intermediateSize != other.intermediateSize) d.add("intermediate size " + intermediateSize + " vs " + other.intermediateSize);
        if (vocabSize != other.vocabSize) d.add("vocab " + vocabSize + " vs " + other.vocabSize);
        if (!gateDtype.equals(other.gateDtype)) d.add("gate_proj dtype " + gateDtype + " vs " + other.gateDtype);
        if (!gateSha256.equalsIgnoreCase(other.gateSha256)) d.add("gate_proj SHA-256 " + shortHash(gateSha256) + "… vs " + shortHash(other.gateSha256) + "…");
        return d;
    }

    /**
     * Refuses, in one line, when {@code model} is not the model this identity describes.
     * {@code this} is the patch's identity, {@code model} the loaded model's.
     */
    public void checkCompatible(ModelIdentity model) {
        List<String> d = differences(model);
        if (!d.isEmpty()) throw new PatchMismatchException("patch was made for a different model (patch vs loaded): " + String.join("; ", d));
    }

    private static String shortHash(String h) { return h.length() <= 12 ? h : h.substring(0, 12); }
}
