package io.scalpel.surgery.export;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.synth.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The exporter never writes into the input model directory, even through a symbolic link. */
class HuggingFaceExporterTargetTest {
    @TempDir Path dir;

    @Test
    void refusesAnOutputInsideTheInputReachedThroughALink() throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse("dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=300,seq=64", "f32", "safetensors", 3);
        Path model = SyntheticCheckpoint.write(spec, dir.resolve("model"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), model);
        long before;
        try (Stream<Path> s = Files.list(model)) { before = s.count(); }
        try (CpuBackend backend = new CpuBackend(1);
             Checkpoint ck = Checkpoint.open(model);
             Transformer t = new Transformer(ck.config(), ck.weights(), backend)) {
            assertThrows(IllegalArgumentException.class, () -> HuggingFaceExporter.export(ck, t, link.resolve("out")));
            assertThrows(IllegalArgumentException.class, () -> HuggingFaceExporter.export(ck, t, model.resolve("sub/out")));
        }
        try (Stream<Path> s = Files.list(model)) { assertEquals(before, s.count(), "something was written into the input"); }
    }
}
