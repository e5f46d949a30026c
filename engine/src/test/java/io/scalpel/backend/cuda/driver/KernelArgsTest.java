package io.scalpel.backend.cuda.driver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The argument list both drivers consume: raw bit patterns per declared kind, checked as they are added, reusable. */
class KernelArgsTest {
    private static final KernelSignature SAMPLE = KernelSignature.of("sample_top_k_top_p", KernelParam.POINTER, KernelParam.POINTER,
            KernelParam.INT, KernelParam.FLOAT, KernelParam.INT, KernelParam.FLOAT, KernelParam.DOUBLE);

    @Test
    void keepsEachKindsBitPatternInOrder() {
        KernelArgs args = KernelArgs.of(SAMPLE).pointer("result", 0x7f00_0000_1000L).pointer("logits", 0x7f00_0000_2010L)
                .int32("n", -3).float32("temperature", 0.7f).int32("topK", 40).float32("topP", 0.9f).float64("uniform", 0.25);
        assertTrue(args.complete());
        assertEquals(0x7f00_0000_1000L, args.bits(0));
        assertEquals(0x7f00_0000_2010L, args.bits(1));
        assertEquals(0xFFFF_FFFDL, args.bits(2), "an int is its 32-bit pattern, zero-extended");
        assertEquals(0x3F33_3333L, args.bits(3), "0.7f is 0x3F333333");
        assertEquals(0x3FD0_0000_0000_0000L, args.bits(6), "0.25 is 0x3FD0000000000000");
        assertEquals(KernelParam.DOUBLE, args.kind(6));
        assertEquals(4, KernelArgs.size(args.kind(2)));
        assertEquals(8, KernelArgs.size(args.kind(6)));
        assertEquals("result, logits, n=-3, temperature=0.7, topK=40, topP=0.9, uniform=0.25", args.describe());
    }

    @Test
    void resetLetsOneInstanceServeTheNextLaunch() {
        KernelSignature add = KernelSignature.of("add", KernelParam.POINTER, KernelParam.POINTER, KernelParam.LONG);
        KernelArgs args = KernelArgs.of(add).pointer("x", 256).pointer("y", 512).int64("n", 5_000_000_000L);
        args.reset().pointer("x", 1024);
        assertFalse(args.complete());
        assertEquals(1, args.count());
        assertThrows(IndexOutOfBoundsException.class, () -> args.bits(1), "values from before the reset are gone");
        IllegalStateException missing = assertThrows(IllegalStateException.class, args::requireComplete);
        assertTrue(missing.getMessage().startsWith("add takes 3 arguments, got 1"), missing.getMessage());
    }

    @Test
    void rejectsWrongKindsExtraArgumentsAndNullPointers() {
        KernelSignature swiglu = KernelSignature.of("swiglu", KernelParam.POINTER, KernelParam.POINTER, KernelParam.LONG);
        IllegalStateException kind = assertThrows(IllegalStateException.class,
                () -> KernelArgs.of(swiglu).pointer("gate", 256).pointer("up", 512).int32("n", 5));
        assertTrue(kind.getMessage().contains("swiglu argument #2 (n) is declared LONG, got INT"), kind.getMessage());
        KernelArgs full = KernelArgs.of(swiglu).pointer("gate", 256).pointer("up", 512).int64("n", 1);
        assertThrows(IllegalStateException.class, () -> full.int32("extra", 1));
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(swiglu).pointer("gate", 0));
    }

    @Test
    void errorNamesMatchTheDriverApi() {
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY (2)", CudaError.describe(2));
        assertEquals("CUDA_SUCCESS (0)", CudaError.describe(0));
        assertEquals("CUDA error 12345 (12345)", CudaError.describe(12345));
        CudaFailure f = new CudaFailure("cuMemAlloc", CudaError.OUT_OF_MEMORY).during("weight w");
        assertEquals("weight w: cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (2)", f.getMessage());
        assertEquals(2, f.result());
    }
}
