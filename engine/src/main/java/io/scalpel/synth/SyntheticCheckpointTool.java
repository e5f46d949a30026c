package io.scalpel.synth;

import java.nio.file.Path;

/**
 * Command-line entry: {@code SyntheticCheckpointTool SHAPE DTYPE FORMAT OUT_DIR [SEED]} writes
 * {@code OUT_DIR/<spec.fileName()>} and prints its path, or prints the existing path if already there.
 */
public final class SyntheticCheckpointTool {
    private SyntheticCheckpointTool() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: SyntheticCheckpointTool SHAPE(15M|42M|110M|1B|7B|dim=..,hidden=..,layers=..,heads=..,kv=..,vocab=..) "
                    + "DTYPE(f32|f16|bf16) FORMAT(safetensors|gguf|llama2c) OUT_DIR [SEED]");
            System.exit(2);
        }
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 1;
        SyntheticCheckpoint.Spec spec = SyntheticCheckpoint.Spec.parse(args[0], args[1], args[2], seed);
        Path target = Path.of(args[3]).resolve(spec.fileName());
        if (java.nio.file.Files.exists(target)) {
            System.out.println(target);
            return;
        }
        long t0 = System.nanoTime();
        SyntheticCheckpoint.write(spec, target);
        System.err.printf("wrote %s (%.1f MB of weights) in %.1f s%n", target, spec.weightBytes() / 1e6, (System.nanoTime() - t0) / 1e9);
        System.out.println(target);
    }
}
