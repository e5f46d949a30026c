package io.scalpel.cli;

import picocli.CommandLine.Option;

/** One edit's α, K and probe layer (the search takes lists of each instead). */
public final class EditOptions {
    @Option(names = "--alpha", defaultValue = "1.08", description = "Edit strength α (paper: 1.08 detox, 1 jailbreak/attitude; negative pushes the other way). Default ${DEFAULT-VALUE}.")
    float alpha = 1.08f;

    @Option(names = "--top-k", description = "Gate rows to edit (default: the paper's share, 16384 of 352256 rows = 4.65%%).")
    Integer topK;

    @Option(names = "--layer", defaultValue = "-1", description = "Hidden-state index the probe reads: 0 = embeddings … L = after the final norm (default -1 = L, as the paper).")
    int layer = -1;

    /** The checks that need the model's shape (read from the checkpoint header), before any activation is collected. */
    void checkAgainst(io.scalpel.model.ModelConfig c) {
        long rows = (long) c.layers() * c.hiddenDim();
        if (topK != null && topK > rows) {
            throw new UserInputException("--top-k " + topK + " exceeds the model's " + rows + " gate rows (" + c.layers() + " layers × " + c.hiddenDim() + ")");
        }
        if (layer > c.layers()) throw new UserInputException("--layer " + layer + " is outside [0, " + c.layers() + "] for this model");
    }

    void check() {
        if (!Float.isFinite(alpha)) throw new UserInputException("--alpha must be a finite number, got " + alpha);
        if (topK != null && topK < 1) throw new UserInputException("--top-k must be at least 1, got " + topK);
        if (layer < -1) throw new UserInputException("--layer must be -1 (the final norm) or a hidden-state index >= 0, got " + layer);
    }
}
