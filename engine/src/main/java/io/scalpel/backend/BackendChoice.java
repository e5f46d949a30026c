package io.scalpel.backend;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.CudaAvailability;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaDriverProvider;
import io.scalpel.backend.cuda.driver.JcudaDriver;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Picks the backend for {@code --device auto|cpu|cuda[:N]|emu} and says why in one line.
 * {@code auto} takes CUDA when a device and a new-enough driver answer, else the CPU; {@code cuda}
 * insists (no silent fallback: it fails with the reason); {@code cpu} never touches the CUDA driver;
 * {@code emu} runs the CUDA backend on the PTX interpreter (an sm_90-like device in Java), where that
 * driver is on the class path ({@link CudaDriverProvider#EMULATOR}).
 */
public final class BackendChoice {
    private BackendChoice() {}

    public enum DeviceKind { AUTO, CPU, CUDA, EMU }

    /** A parsed {@code --device} value; {@code index} is the CUDA device (0 unless "cuda:N"). */
    public record DeviceRequest(DeviceKind kind, int index) {
        public static DeviceRequest parse(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (v.equals("auto")) return new DeviceRequest(DeviceKind.AUTO, 0);
            if (v.equals("cpu")) return new DeviceRequest(DeviceKind.CPU, 0);
            if (v.equals("cuda") || v.equals("gpu")) return new DeviceRequest(DeviceKind.CUDA, 0);
            if (v.equals(CudaDriverProvider.EMULATOR)) return new DeviceRequest(DeviceKind.EMU, 0);
            if (v.startsWith("cuda:")) {
                try {
                    int index = Integer.parseInt(v.substring(5));
                    if (index >= 0) return new DeviceRequest(DeviceKind.CUDA, index);
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
            throw new IllegalArgumentException("--device must be auto, cpu, cuda, cuda:N or emu; got '" + value + "'");
        }
    }

    /** The decision before anything is opened: which kind, and the one-line reason. */
    public record Decision(DeviceKind chosen, String reason) {}

    /** What {@link #open} returns: the backend and the line to show the user. */
    public record Opened(Backend backend, String report) implements AutoCloseable {
        @Override public void close() { backend.close(); }
    }

    /** Pure: the choice for a request given what the probe of its driver (JCuda, or the interpreter for emu) found. */
    public static Decision decide(DeviceRequest request, Supplier<CudaAvailability> cuda) {
        return switch (request.kind()) {
            case CPU -> new Decision(DeviceKind.CPU, "device: cpu (requested)");
            case CUDA -> {
                CudaAvailability a = cuda.get();
                if (!a.usable()) throw new IllegalStateException("--device cuda: " + a.reason());
                yield new Decision(DeviceKind.CUDA, "device: cuda (" + a.reason() + ")");
            }
            case EMU -> {
                CudaAvailability a = cuda.get();
                if (!a.usable()) throw new IllegalStateException("--device emu: " + a.reason());
                yield new Decision(DeviceKind.EMU, "device: emu (" + a.reason() + ")");
            }
            case AUTO -> {
                CudaAvailability a = cuda.get();
                yield a.usable() ? new Decision(DeviceKind.CUDA, "device: cuda (" + a.reason() + ")")
                        : new Decision(DeviceKind.CPU, "device: cpu (" + a.reason() + ": using the CPU)");
            }
        };
    }

    /**
     * Opens the chosen backend. Under {@code auto}, a CUDA backend that fails to start (an old driver
     * rejecting the PTX, no memory) falls back to the CPU and the report says why.
     */
    public static Opened open(DeviceRequest request, CudaOptions cudaOptions) {
        return open(request, cudaOptions, CpuBackend::new);
    }

    /** As {@link #open(DeviceRequest, CudaOptions)}, with the caller's CPU backend (a thread count, say). */
    public static Opened open(DeviceRequest request, CudaOptions cudaOptions, Supplier<? extends Backend> cpu) {
        CudaDriver driver = request.kind() == DeviceKind.EMU ? emulator() : new JcudaDriver();
        Decision decision = decide(request, () -> CudaAvailability.probe(driver, request.index()));
        if (decision.chosen() == DeviceKind.CPU) return new Opened(cpu.get(), decision.reason());
        try {
            CudaOptions options = request.kind() == DeviceKind.AUTO ? cudaOptions : cudaOptions.withDevice(request.index());
            return new Opened(CudaBackend.open(driver, options), decision.reason());
        } catch (RuntimeException e) {
            if (request.kind() != DeviceKind.AUTO) throw e;
            return new Opened(cpu.get(), "device: cpu (CUDA backend failed to start: " + e.getMessage() + ": using the CPU)");
        }
    }

    /** The PTX interpreter's driver, or the one-line reason it is missing from this build. */
    static CudaDriver emulator() {
        return CudaDriverProvider.find(CudaDriverProvider.EMULATOR).map(CudaDriverProvider::open).orElseThrow(() -> new IllegalStateException(
                "--device emu: the PTX interpreter is not available in this build (no \"emu\" CudaDriverProvider on the class path)"));
    }
}
