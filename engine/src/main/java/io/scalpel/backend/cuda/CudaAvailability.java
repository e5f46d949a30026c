package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaError;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.DeviceAttribute;
import io.scalpel.backend.cuda.driver.JcudaDriver;
import io.scalpel.kernels.PtxIsa;
import io.scalpel.kernels.PtxModule;


import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this JVM can run the CUDA backend, and why not in one line when it cannot.
 *
 * <p>The first touch of {@code JCudaDriver} without {@code libcuda.so.1} throws an
 * {@code UnsatisfiedLinkError} carrying a 40-line message, and every later touch a
 * {@code NoClassDefFoundError}. {@link #probe()} is the one guarded place that touches it: it runs once
 * per JVM (a holder class keeps the answer) and reduces whatever happens to a record.
 *
 * @param usable          a device answered, its driver loads the shipped PTX, and it has compute capability 8.0+
 * @param reason          one line: why not usable, or what was found ("NVIDIA H100 80GB HBM3, compute 9.0, driver CUDA 13.0")
 * @param deviceName      the probed device's name, or "" when none answered
 * @param driverVersion   cuDriverGetVersion (1000*major + 10*minor), 0 when unknown
 * @param deviceCount     devices the driver sees
 * @param computeCapability major*10 + minor of the probed device, 0 when unknown
 */
public record CudaAvailability(boolean usable, String reason, String deviceName, int driverVersion, int deviceCount,
                               int computeCapability) {

    /** The kernels are built for compute_80: BF16 tensor-core instructions need Ampere or newer. */
    public static final int MINIMUM_COMPUTE_CAPABILITY = 80;

    private static final Pattern MISSING_LIBRARY = Pattern.compile("([\\w.+-]+\\.so(?:\\.\\d+)*): cannot open shared object file");

    /** The answer for device 0 through JCuda, computed once per JVM on first use. */
    public static CudaAvailability probe() { return Holder.ANSWER; }

    /**
     * The answer for device {@code ordinal} of {@code driver}: the device asked for is the one whose compute
     * capability is judged. Through JCuda, device 0's answer is {@link #probe()}'s (kept: a failed native load
     * can only be described on the first touch).
     */
    public static CudaAvailability probe(CudaDriver driver, int ordinal) {
        if (driver instanceof JcudaDriver && ordinal == 0) return probe();
        return detect(driver, ordinal);
    }

    /** Lazily-initialised holder: the JVM runs {@link #detect} once, on first access, thread-safely. */
    private static final class Holder {
        static final CudaAvailability ANSWER = detect(new JcudaDriver(), 0);
    }

    static CudaAvailability unusable(String reason) {
        return new CudaAvailability(false, reason, "", 0, 0, 0);
    }

    private static CudaAvailability detect(CudaDriver driver, int ordinal) {
        try {
            try {
                driver.init();
            } catch (CudaFailure e) {
                if (e.result() == CudaError.NO_DEVICE.code()) return unusable("no CUDA device (the driver loaded but cuInit found none)");
                return unusable("no CUDA device (" + e.getMessage() + ")");
            }
            int driverVersion = driver.driverVersion();
            int count = driver.deviceCount();
            if (count == 0) return new CudaAvailability(false, "no CUDA device (driver " + cudaVersion(driverVersion) + " sees none)", "", driverVersion, 0, 0);
            if (ordinal >= count) {
                return new CudaAvailability(false, "CUDA device " + ordinal + " requested; the driver sees " + count, "", driverVersion, count, 0);
            }
            String name = driver.deviceName(ordinal);
            int capability = driver.deviceAttribute(ordinal, DeviceAttribute.COMPUTE_CAPABILITY_MAJOR) * 10
                    + driver.deviceAttribute(ordinal, DeviceAttribute.COMPUTE_CAPABILITY_MINOR);
            return judge(name, driverVersion, count, capability, PtxModule.MATVEC.load().isa());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return fromLinkageError(e);
        } catch (CudaFailure e) {
            return unusable("no CUDA device (" + e.getMessage() + ")");
        }
    }

    /** The verdict once a device answered: driver new enough for the PTX, device new enough for the kernels. */
    static CudaAvailability judge(String name, int driver, int count, int capability, PtxIsa isa) {
        String found = name + ", compute " + capability / 10 + "." + capability % 10 + ", driver " + cudaVersion(driver);
        if (driver < isa.minimumDriverCudaVersion()) {
            return new CudaAvailability(false, driverTooOld(driver, isa) + " [" + found + "]", name, driver, count, capability);
        }
        if (capability < MINIMUM_COMPUTE_CAPABILITY) {
            return new CudaAvailability(false, "GPU " + name + " has compute capability " + capability / 10 + "." + capability % 10
                    + "; the kernels need 8.0 (Ampere) or newer", name, driver, count, capability);
        }
        return new CudaAvailability(true, found, name, driver, count, capability);
    }

    /** One line for a driver that cannot JIT the shipped PTX. */
    public static String driverTooOld(int driverVersion, PtxIsa isa) {
        return "NVIDIA driver supports CUDA " + cudaVersion(driverVersion) + " but the kernels are PTX ISA " + isa
                + ", which needs CUDA " + cudaVersion(isa.minimumDriverCudaVersion()) + " (driver " + isa.minimumDriverBranch()
                + " or newer): update the driver, or rebuild the PTX with an older nvcc (kernels/build-ptx.sh)";
    }

    /** One line out of the linkage error JCuda throws when its native library or libcuda cannot load. */
    static CudaAvailability fromLinkageError(Throwable e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof NoClassDefFoundError) {
            return unusable("no CUDA driver (JCuda's driver bindings already failed to load in this JVM: " + firstLine(message) + ")");
        }
        Matcher m = MISSING_LIBRARY.matcher(message);
        String library = null;
        while (m.find()) library = m.group(1);  // the last one: JCuda's own library was found, a dependency was not
        if (library != null && !library.startsWith("libJCuda")) return unusable("no CUDA driver (" + library + " not found)");
        return unusable("no CUDA driver (JCuda could not load: " + firstLine(message) + ")");
    }

    /** "13.0" for 13000, "12.4" for 12040. */
    public static String cudaVersion(int driverVersion) {
        return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }

    private static String firstLine(String s) {
        String line = s.lines().findFirst().orElse("").strip();
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }
}
