package io.scalpel.backend.cuda.driver;

import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A {@link CudaDriver} implementation found at run time through {@link ServiceLoader} (registered in
 * {@code META-INF/services/io.scalpel.backend.cuda.driver.CudaDriverProvider}), so the engine can select the
 * PTX interpreter ({@code --device emu}) without depending on the module that implements it.
 */
public interface CudaDriverProvider {
    /** The interpreter registers as "emu". */
    String EMULATOR = "emu";

    /** The name {@code --device} selects it by. */
    String name();

    /** A fresh driver instance (its own devices and memory). */
    CudaDriver open();

    /** The provider named {@code name} on the class path, if any. */
    static Optional<CudaDriverProvider> find(String name) {
        for (CudaDriverProvider p : ServiceLoader.load(CudaDriverProvider.class)) {
            if (p.name().equals(name)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
