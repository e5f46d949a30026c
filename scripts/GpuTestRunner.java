import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import org.junit.platform.engine.support.descriptor.MethodSource;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

/**
 * Runs the CUDA tests without Maven (the GPU machine has a carried JRE, no build tools): JUnit's launcher
 * over the packages named on the command line (or single classes, "class:NAME"), one line per test, then
 * a summary. Exit status 1 on any failure or when no test was found. Compiled by scripts/gpu-check.sh prepare.
 */
public final class GpuTestRunner {
    /** "CudaSamplingTest.sampleMatches(float, int, float)[3]". */
    static String name(TestIdentifier id) {
        return id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(m -> m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1) + "." + id.getLegacyReportingName())
                .orElse(id.getLegacyReportingName());
    }

    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String a : args) request.selectors(a.startsWith("class:") ? selectClass(a.substring(6)) : selectPackage(a));
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Map<String, String> drivers = new ConcurrentHashMap<>();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIPPED " + name(id) + " — " + reason);
            }

            /** GPU tests publish which driver ran them ("on cuda (...)", "on emu (...)"); it goes on their result line. */
            @Override public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                String driver = entry.getKeyValuePairs().get("driver");
                if (driver != null) drivers.put(id.getUniqueId(), driver);
            }

            @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) return;
                String why = result.getThrowable().map(t -> " — " + String.valueOf(t.getMessage()).lines().findFirst().orElse("")).orElse("");
                String driver = drivers.containsKey(id.getUniqueId()) ? " [" + drivers.get(id.getUniqueId()) + "]" : "";
                System.out.println(result.getStatus() + " " + name(id) + driver + why);
            }
        };
        launcher.execute(discovery, lines, summary);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printFailuresTo(out, 12);
        System.out.printf("tests: %d found, %d passed, %d failed, %d skipped, %d aborted (containers failed: %d)%n",
                s.getTestsFoundCount(), s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsSkippedCount(),
                s.getTestsAbortedCount(), s.getContainersFailedCount());
        boolean bad = s.getTotalFailureCount() > 0 || s.getTestsFoundCount() == 0;
        System.exit(bad ? 1 : 0);
    }
}
