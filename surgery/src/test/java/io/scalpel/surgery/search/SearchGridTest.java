package io.scalpel.surgery.search;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchGridTest {
    @Test void listsAndRangesParseToExactValuesInOrder() {
        assertEquals(List.of(0.5f, 1f, 1.5f), SearchGrid.parseFloats("--alpha", "0.5,1,1.5"));
        assertEquals(List.of(0.5f, 1f, 1.5f, 2f), SearchGrid.parseFloats("--alpha", "0.5:2:0.5"));
        // 0.1 steps do not drift: 0.1 + 0.1 + 0.1 is 0.3 here, and 0.3 is included.
        assertEquals(List.of(0.1f, 0.2f, 0.3f), SearchGrid.parseFloats("--alpha", "0.1:0.3:0.1"));
        assertEquals(List.of(4096, 16384, 1000, 2000), SearchGrid.parseInts("--top-k", "4096, 16384,1000:2500:1000,4096"));
        assertEquals(List.of(-1f, 1f), SearchGrid.parseFloats("--alpha", "-1,1"));
    }

    @Test void badSpecsNameTheOption() {
        for (String bad : new String[]{"", "1,,2", "a", "1:2", "2:1:1", "1:2:0", "1:2:-1"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> SearchGrid.parseFloats("--alpha", bad), bad);
            assertTrue(e.getMessage().startsWith("--alpha"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> SearchGrid.parseInts("--top-k", "1.5"));
        assertThrows(IllegalArgumentException.class, () -> SearchGrid.parseInts("--top-k", "1:100000:1"));
    }

    @Test void candidatesNestLayerThenKThenAlpha() {
        SearchGrid g = new SearchGrid(List.of(1f, 2f), List.of(10, 20), List.of(3));
        assertEquals(List.of(new SearchGrid.Candidate(1f, 10, 3), new SearchGrid.Candidate(2f, 10, 3),
                new SearchGrid.Candidate(1f, 20, 3), new SearchGrid.Candidate(2f, 20, 3)), g.candidates());
    }
}
