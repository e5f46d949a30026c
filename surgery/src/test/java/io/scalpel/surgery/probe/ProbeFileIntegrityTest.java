package io.scalpel.surgery.probe;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A probe file with a NaN weight or a negative layer is refused when read, naming the file (issue #11). */
class ProbeFileIntegrityTest {
    @TempDir Path dir;

    private Path probeFile(String name, float[] flatWeight, String layer) {
        Path good = dir.resolve("good-" + name);
        float[][] w = {{0.1f, 0.2f, 0.3f}, {-0.1f, -0.2f, -0.3f}};
        new Probe(w, new float[]{0, 0}, 2, new ProbeMetadata(ProbeSolver.ADAM, 1, 1, 1, 0, 1, 1, 1, true, 1, ""))
                .save(good, SafetensorsWriter.WriteMode.CREATE_NEW);
        Map<String, String> meta;
        try (Arena arena = Arena.ofConfined()) {
            meta = new LinkedHashMap<>(SafetensorsReader.open(good, arena).metadata());
        }
        meta.put("layer", layer);
        Path file = dir.resolve(name);
        new SafetensorsWriter().metadata(meta).addFloats("weight", DType.F32, new long[]{2, 3}, flatWeight)
                .addFloats("bias", DType.F32, new long[]{2}, new float[]{0, 0}).write(file, SafetensorsWriter.WriteMode.CREATE_NEW);
        return file;
    }

    @Test void nonFiniteWeightsAndNegativeLayersAreRefused() {
        assertEquals(2, Probe.load(probeFile("ok.safetensors", new float[]{1, 2, 3, 4, 5, 6}, "2")).layer());
        Path nan = probeFile("nan.safetensors", new float[]{1, 2, 3, 4, Float.NaN, 6}, "2");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Probe.load(nan));
        assertTrue(e.getMessage().startsWith(nan.toString()) && e.getMessage().contains("weight[1][1] is NaN"), e.getMessage());
        Path negative = probeFile("neg.safetensors", new float[]{1, 2, 3, 4, 5, 6}, "-1");
        e = assertThrows(CheckpointException.class, () -> Probe.load(negative));
        assertTrue(e.getMessage().contains("layer is -1"), e.getMessage());
    }
}
