package io.scalpel.backend.cuda.emu;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaDriverProvider;
import io.scalpel.ptx.Sanitizers;

import java.util.Locale;

/**
 * Registers the PTX interpreter as the {@code emu} driver. Which sanitizers run is read from
 * {@code SCALPEL_EMU_SANITIZERS} when a driver is opened: {@code all} (the default: memcheck, racecheck,
 * initcheck) or {@code memcheck} (memcheck only; faster).
 */
public final class EmulatorProvider implements CudaDriverProvider {

    @Override public String name() { return EMULATOR; }

    @Override public CudaDriver open() { return new EmulatedCudaDriver(sanitizers(System.getenv("SCALPEL_EMU_SANITIZERS"))); }

    static Sanitizers sanitizers(String setting) {
        if (setting == null || setting.isBlank()) return Sanitizers.ALL;
        return switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "all" -> Sanitizers.ALL;
            case "memcheck" -> Sanitizers.MEMCHECK_ONLY;
            default -> throw new IllegalArgumentException("SCALPEL_EMU_SANITIZERS must be all or memcheck; got '" + setting + "'");
        };
    }
}
