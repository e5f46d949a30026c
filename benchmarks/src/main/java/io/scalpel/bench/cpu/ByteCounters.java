package io.scalpel.bench.cpu;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Work done per benchmark call, summed by JMH into rates next to the main score: {@code bytes}/s of
 * weights read is the achieved bandwidth (GB/s = score × 1e-9), {@code flops}/s the arithmetic rate.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteCounters {
    public long bytes;
    public long flops;

    @Setup(Level.Iteration)
    public void clear() {
        bytes = 0;
        flops = 0;
    }
}
