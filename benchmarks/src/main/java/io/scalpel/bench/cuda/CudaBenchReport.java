package io.scalpel.bench.cuda;

import io.scalpel.backend.cuda.CudaAvailability;
import io.scalpel.backend.cuda.CudaBackend;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs every GPU benchmark of this package with JMH and prints one table: time per call, achieved GB/s or
 * TFLOP/s, and the ceiling measured in the same run (device-to-device copy for memory-bound kernels, the
 * best 4096³ GEMM for compute-bound ones). Exits 0 with one line where there is no CUDA device.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp 'benchmarks/target/*:benchmarks/target/lib/*' \
 *     io.scalpel.bench.cuda.CudaBenchReport [--json FILE] [--quick]</pre>
 */
public final class CudaBenchReport {
    private CudaBenchReport() {}

    /** One measured row of the table. */
    record Row(String label, double microseconds, KernelWork work) {}

    public static void main(String[] args) throws RunnerException {
        CudaAvailability cuda = CudaAvailability.probe();
        if (!cuda.usable()) {
            System.out.println("GPU benchmarks skipped: no CUDA device: " + cuda.reason());
            return;
        }
        Path json = null;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--json FILE, --quick)");
            }
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(CudaBenchReport.class.getPackageName().replace(".", "\\.") + "\\.Cuda\\w+Bench\\.")
                .forks(0)  // in-process: one JVM, one CUDA driver load; the kernels' own time is what is measured
                .warmupIterations(quick ? 1 : 2).warmupTime(TimeValue.milliseconds(quick ? 200 : 400))
                .measurementIterations(quick ? 2 : 4).measurementTime(TimeValue.milliseconds(quick ? 300 : 600))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED");
        if (!CudaBackend.cublasLoads()) {
            System.out.println("cuBLAS variants skipped: " + CudaBackend.cublasStatus());
            options.param("path", "TENSOR_CORE:BF16").param("variant", "NAIVE", "TILED", "TENSOR_CORE");
        }
        if (json != null) options.resultFormat(ResultFormatType.JSON).result(json.toString());
        Collection<RunResult> results = new Runner(options.build()).run();
        print(System.out, cuda, rows(results));
    }

    static List<Row> rows(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            String benchmark = r.getParams().getBenchmark();
            Map<String, String> params = new TreeMap<>();
            for (String key : r.getParams().getParamsKeys()) params.put(key, r.getParams().getParam(key));
            String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            rows.add(new Row(shortName + " " + params, r.getPrimaryResult().getScore(), KernelWork.of(benchmark, params)));
        }
        return rows;
    }

    static void print(PrintStream out, CudaAvailability cuda, List<Row> rows) {
        double copyGbs = rows.stream().filter(r -> r.label().startsWith("CudaCopyBench")).mapToDouble(CudaBenchReport::gbs).max().orElse(Double.NaN);
        double gemmTflops = rows.stream().filter(r -> r.label().startsWith("CudaGemmCeilingBench")).mapToDouble(CudaBenchReport::tflops).max().orElse(Double.NaN);
        out.println();
        out.printf(Locale.ROOT, "GPU kernels on %s, %s (JMH avg time per call, %d calls per sync)%n", cuda.reason(), LocalDate.now(), CudaBenchSupport.BATCH);
        out.printf(Locale.ROOT, "ceilings measured in this run: device-to-device copy %.0f GB/s, best 4096^3 GEMM %.1f TFLOP/s%n", copyGbs, gemmTflops);
        out.printf(Locale.ROOT, "%-78s %11s %16s %8s%n", "kernel [params]", "us/call", "achieved", "of ceil");
        for (Row r : rows) {
            String achieved, share;
            if (r.work().computeBound()) {
                achieved = String.format(Locale.ROOT, "%.2f TFLOP/s", tflops(r));
                share = String.format(Locale.ROOT, "%.0f%%", 100 * tflops(r) / gemmTflops);
            } else {
                achieved = String.format(Locale.ROOT, "%.0f GB/s", gbs(r));
                share = String.format(Locale.ROOT, "%.0f%%", 100 * gbs(r) / copyGbs);
            }
            out.printf(Locale.ROOT, "%-78s %11.2f %16s %8s%n", r.label(), r.microseconds(), achieved, share);
        }
    }

    private static double gbs(Row r) { return r.work().bytes() / (r.microseconds() * 1e-6) / 1e9; }

    private static double tflops(Row r) { return r.work().flops() / (r.microseconds() * 1e-6) / 1e12; }
}
