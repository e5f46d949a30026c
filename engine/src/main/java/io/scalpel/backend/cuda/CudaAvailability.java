package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.kernels.PtxIsa;
import io.scalpel.kernels.PtxModule;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;
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
 * @param deviceName      device 0's name, or "" when none answered
 * @param driverVersion   cuDriverGetVersion (1000*major + 10*minor), 0 when unknown
 * @param deviceCount     devices the driver sees
 * @param computeCapability major*10 + minor of device 0, 0 when unknown
 */
public record CudaAvailability(boolean usable, String reason, String deviceName, int driverVersion, int deviceCount,
                               int computeCapability) {

    /** The kernels are built for compute_80: BF16 tensor-core instructions need Ampere or newer. */
    public static final int MINIMUM_COMPUTE_CAPABILITY = 80;

    private static final Pattern MISSING_LIBRARY = Pattern.compile("([\\w.+-]+\\.so(?:\\.\\d+)*): cannot open shared object file");

    /** The answer for this JVM, computed on first use. */
    public static CudaAvailability probe() { return Holder.ANSWER; }

    /** Lazily-initialised holder: the JVM runs {@link #detect()} once, on first access, thread-safely. */
    private static final class Holder {
        static final CudaAvailability ANSWER = detect();
    }

    static CudaAvailability unusable(String reason) {
        return new CudaAvailability(false, reason, "", 0, 0, 0);
    }

    private static CudaAvailability detect() {
        try {
            int init = JCudaDriver.cuInit(0);
            if (init == CUresult.CUDA_ERROR_NO_DEVICE) return unusable("no CUDA device (the driver loaded but cuInit found none)");
            if (init != CUresult.CUDA_SUCCESS) return unusable("no CUDA device (cuInit failed: " + CuResults.name(init) + ")");
            int[] value = new int[1];
            CuResults.check(JCudaDriver.cuDriverGetVersion(value), "cuDriverGetVersion");
            int driver = value[0];
            CuResults.check(JCudaDriver.cuDeviceGetCount(value), "cuDeviceGetCount");
            int count = value[0];
            if (count == 0) return new CudaAvailability(false, "no CUDA device (driver " + cudaVersion(driver) + " sees none)", "", driver, 0, 0);
            CUdevice device = new CUdevice();
            CuResults.check(JCudaDriver.cuDeviceGet(device, 0), "cuDeviceGet(0)");
            String name = deviceName(device);
            CuResults.check(JCudaDriver.cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "compute capability");
            int major = value[0];
            CuResults.check(JCudaDriver.cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "compute capability");
            int capability = major * 10 + value[0];
            return judge(name, driver, count, capability, PtxModule.MATVEC.load().isa());
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

    private static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        CuResults.check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < name.length && name[end] != 0) end++;
        return new String(name, 0, end, StandardCharsets.UTF_8);
    }
}
