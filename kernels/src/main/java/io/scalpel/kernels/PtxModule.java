package io.scalpel.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The PTX modules this jar ships, one per {@code src/main/cuda/*.cu} file (one op family each), built for
 * {@code compute_80} by {@code build-ptx.sh} and committed under {@code /io/scalpel/kernels/}.
 */
public enum PtxModule {
    EMBEDDING("embedding"),
    RMSNORM("rmsnorm"),
    ROPE("rope"),
    SWIGLU("swiglu"),
    RESIDUAL("residual"),
    SAMPLING("sampling"),
    ATTENTION("attention"),
    MATVEC("matvec"),
    QUANT_MATVEC("quant_matvec"),
    MATMUL("matmul"),
    SURGERY("surgery");

    private final String stem;

    PtxModule(String stem) { this.stem = stem; }

    /** The CUDA source's file name without extension ("matmul" for matmul.cu). */
    public String stem() { return stem; }

    /** Class-path location of the PTX text. */
    public String resourcePath() { return "/io/scalpel/kernels/" + stem + ".ptx"; }

    /** Reads the PTX text from the class path. */
    public Ptx load() {
        try (InputStream in = PtxModule.class.getResourceAsStream(resourcePath())) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + resourcePath() + " is missing from the class path"
                        + " (the scalpel-kernels jar ships it; rebuild with kernels/build-ptx.sh)");
            }
            return new Ptx(this, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resourcePath(), e);
        }
    }
}
