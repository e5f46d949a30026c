package io.scalpel.io;

import java.lang.foreign.Arena;

/** Placeholder until the GGUF reader lands: reading a .gguf model reports a clear error. */
final class GgufCheckpointReader {
    private GgufCheckpointReader() {}

    static Checkpoint read(ModelFormat.Gguf format, Arena arena) {
        throw new CheckpointException(format.path(), "GGUF models are not readable yet in this build");
    }
}
