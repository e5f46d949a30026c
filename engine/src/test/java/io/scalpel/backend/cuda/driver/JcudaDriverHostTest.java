package io.scalpel.backend.cuda.driver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only parts of the JCuda driver: device addresses to and from JCuda's pointer type (no native library needed). */
class JcudaDriverHostTest {

    @Test
    void addressesRoundTripThroughJcudaPointers() {
        long address = 0x7f12_3456_7800L;
        assertEquals(address, JcudaDriver.address(JcudaDriver.pointer(address)));
        assertEquals(address + 16, JcudaDriver.address(JcudaDriver.pointer(address).withByteOffset(16)), "JCuda offsets add to the address");
        assertTrue(JcudaDriver.pointer(address).toString().contains("byteOffset=" + address), JcudaDriver.pointer(address).toString());
    }

    @Test
    void constructingTheDriverNeedsNoNativeLibrary() {
        // Only the first driver call loads libJCudaDriver; CudaAvailability relies on that to describe a missing library.
        new JcudaDriver();
    }
}
