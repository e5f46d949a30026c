package io.scalpel.bench.surgery;

import io.scalpel.backend.Backend;
import io.scalpel.backend.BackendChoice;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The surgery's model-sized steps on resident weights: cosine of every gate row with v (reads every
 * gate weight once: memory-bound), global top-K, and the in-place edit of K rows (then its revert).
 * Run on a {@code synth} checkpoint, e.g. {@code -p model=/tmp/synth/7B-f16.safetensors}; the
 * printed bandwidth is gate bytes ÷ time of the cosine step.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class SurgeryStepsBenchmark {
    @Param("") public String model;
    @Param("auto") public String device;
    @Param("16384") public int topK;

    private Checkpoint checkpoint;
    private Backend backend;
    private Transformer transformer;
    private float[] direction;
    private Surgeon surgeon;

    @Setup(Level.Trial) public void load() {
        if (model.isEmpty()) throw new IllegalArgumentException("pass -p model=PATH (a synth checkpoint)");
        checkpoint = Checkpoint.open(Path.of(model));
        backend = BackendChoice.open(BackendChoice.DeviceRequest.parse(device), CudaOptions.defaults()).backend();
        transformer = new Transformer(checkpoint.config(), checkpoint.weights(), backend);
        Random r = new Random(1);
        direction = new float[checkpoint.config().dim()];
        for (int i = 0; i < direction.length; i++) direction[i] = (float) (r.nextGaussian() * 0.01);
        surgeon = new Surgeon(transformer);
    }

    @TearDown(Level.Trial) public void close() {
        transformer.close();
        backend.close();
        checkpoint.close();
    }

    /** Selection and edit together, as a user runs them; the edit is reverted so every iteration starts equal. */
    @Benchmark public Selection selectAndEdit() {
        Selection s = GateRowSelector.select(Arrays.asList(GateCosines.compute(transformer, direction)), topK);
        Edit e = surgeon.apply(s.rows(), direction, 1.08f);
        surgeon.revert(e);
        return s;
    }

    @Benchmark public float[][] cosinesOnly() {
        return GateCosines.compute(transformer, direction);
    }
}
