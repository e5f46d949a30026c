package io.scalpel.backend.cuda.driver;

import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The seam's own copies of the driver API's numbers agree with JCuda's constants (plain Java classes: no native library needed). */
class DriverCodesTest {

    @Test
    void errorCodesAndNamesAreTheDriverApis() {
        for (CudaError e : CudaError.values()) assertEquals(CUresult.stringFor(e.code()), e.cudaName(), e.toString());
    }

    @Test
    void deviceAttributeNumbersAreTheDriverApis() {
        for (DeviceAttribute a : DeviceAttribute.values()) {
            assertEquals("CU_DEVICE_ATTRIBUTE_" + a.name(), CUdevice_attribute.stringFor(a.code()), a.toString());
        }
    }

    @Test
    void functionAttributeNumbersAreTheDriverApis() {
        for (FunctionAttribute a : FunctionAttribute.values()) {
            String expected = a == FunctionAttribute.CONST_SIZE_BYTES ? "CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES" : "CU_FUNC_ATTRIBUTE_" + a.name();
            assertEquals(expected, CUfunction_attribute.stringFor(a.code()), a.toString());
        }
    }
}
