package io.scalpel.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.synth.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecodeBenchmarkTest {
    @TempDir Path dir;

    @Test
    void reportsMedianSpeedsAndTheWeightBytesADecodeStepReads() throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse("dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=500,seq=64", "bf16", "safetensors", 1);
        Path path = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(path);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            var report = DecodeBenchmark.run("tiny", model, ck.fileBytes(), new DecodeBenchmark.Settings(5, 7, 1, 3));
            // per layer: 2 norms (64) + q,o (64·64) + k,v (32·64) + gate, up, down (160·64); final norm; tied output (500·64); bf16
            long elements = 2 * (2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 160 * 64) + 64 + 500 * 64;
            assertEquals(2 * elements, report.weightBytesPerToken());
            assertEquals(3, report.decodeRuns().length);
            assertTrue(report.decodeTokensPerSecond() > 0 && report.prefillTokensPerSecond() > 0);
            JsonNode json = new ObjectMapper().readTree(report.toJson());
            assertTrue(json.get("decode_tokens_per_s").asDouble() > 0);
            assertTrue(json.get("prefill_tokens_per_s").asDouble() > 0);
            assertTrue(json.get("decode_gb_per_s").asDouble() > 0);
            long kv = 2L * 2 * 12 * 32 * 4;
            assertEquals(kv, json.get("kv_cache_bytes").asLong());
            long file = java.nio.file.Files.size(path.resolve("model.safetensors"));
            assertEquals(file, json.get("checkpoint_bytes").asLong());
            assertEquals(file + kv + 200_000_000L, json.get("resident_budget_bytes").asLong());
            if (report.memory().peakResidentBytes() >= 0) {
                long over = report.memory().peakResidentBytes() - file - kv;
                assertEquals(over, json.get("peak_resident_over_file_and_kv_bytes").asLong());
                assertEquals(over <= 200_000_000L, json.get("peak_resident_within_budget").asBoolean());
            }
        }
    }
}
