package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.KernelParam;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only: argument packing follows the declared signature (JCuda's Pointer objects need no native library). */
class KernelArgsTest {

    @Test
    void packsEveryKindInOrder() {
        KernelArgs args = KernelArgs.of(CudaKernel.SAMPLE_TOP_K_TOP_P)
                .pointer("result", new CUdeviceptr()).pointer("logits", new CUdeviceptr())
                .int32("n", 32000).float32("temperature", 0.7f).int32("topK", 40).float32("topP", 0.9f).float64("uniform", 0.25);
        assertEquals(List.of(KernelParam.POINTER, KernelParam.POINTER, KernelParam.INT, KernelParam.FLOAT, KernelParam.INT,
                KernelParam.FLOAT, KernelParam.DOUBLE), args.args().stream().map(KernelArgs.Arg::kind).toList());
        assertEquals(0.25, args.args().get(6).value());
        Pointer packed = args.pack();
        assertNotNull(packed);
        assertEquals("result, logits, n=32000, temperature=0.7, topK=40, topP=0.9, uniform=0.25", args.describe());
    }

    @Test
    void elementCountsAre64BitWhereTheKernelSaysLongLong() {
        KernelArgs args = KernelArgs.of(CudaKernel.SWIGLU).pointer("gate", new CUdeviceptr()).pointer("up", new CUdeviceptr()).int64("n", 5_000_000_000L);
        assertEquals(5_000_000_000L, args.args().get(2).value());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelArgs.of(CudaKernel.SWIGLU).pointer("gate", new CUdeviceptr()).pointer("up", new CUdeviceptr()).int32("n", 5));
        assertTrue(e.getMessage().contains("swiglu argument #2 (n) is declared LONG, got INT"), e.getMessage());
    }

    @Test
    void rejectsMissingExtraAndNullArguments() {
        KernelArgs partial = KernelArgs.of(CudaKernel.ADD).pointer("x", new CUdeviceptr());
        IllegalStateException missing = assertThrows(IllegalStateException.class, partial::pack);
        assertTrue(missing.getMessage().startsWith("add takes 3 arguments, got 1"), missing.getMessage());
        KernelArgs full = KernelArgs.of(CudaKernel.ADD).pointer("x", new CUdeviceptr()).pointer("y", new CUdeviceptr()).int64("n", 1);
        assertThrows(IllegalStateException.class, () -> full.int32("extra", 1));
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(CudaKernel.ADD).pointer("x", null));
    }

    @Test
    void slicesAreByteOffsetsOfTheirAllocation() {
        CUdeviceptr base = new CUdeviceptr();
        assertTrue(base.withByteOffset(16).toString().contains("byteOffset=16"));
    }
}
