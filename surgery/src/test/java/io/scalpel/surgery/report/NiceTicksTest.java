package io.scalpel.surgery.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NiceTicksTest {
    @Test void ticksSitOnNiceNumbersAndLabelsShowThemExactly() {
        // The histogram bug: a y range of 0..7 with 4 equal steps gave 1.75, 3.5, 5.25 printed as 2, 4, 5.
        NiceTicks y = NiceTicks.of(0, 7, 5);
        assertEquals(List.of(0.0, 2.0, 4.0, 6.0, 8.0), y.values());
        assertEquals("6", y.label(6));
        NiceTicks x = NiceTicks.of(0.31, 0.58, 5);
        assertEquals(List.of(0.3, 0.4, 0.5, 0.6), x.values());
        assertEquals("0.3", x.label(0.3));
        NiceTicks fine = NiceTicks.of(0.312, 0.332, 5);
        assertEquals(List.of(0.31, 0.315, 0.32, 0.325, 0.33, 0.335), fine.values());
        assertEquals("0.315", fine.label(0.315));
        NiceTicks kl = NiceTicks.of(0, 4.24, 6);
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0), kl.values());
        assertEquals(List.of(-1.0, -0.5, 0.0, 0.5, 1.0), NiceTicks.of(-1, 1, 5).values());
    }

    @Test void anEmptyRangeStillGetsAnAxis() {
        NiceTicks t = NiceTicks.of(0.5, 0.5, 5);
        assertEquals(List.of(0.44, 0.46, 0.48, 0.5, 0.52, 0.54, 0.56), t.values());
    }
}
