package io.scalpel.surgery.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingDataCheckTest {
    private static List<LabelledText> texts(int avoid, int keep, String avoidPrefix, String keepPrefix) {
        List<LabelledText> out = new ArrayList<>();
        for (int i = 0; i < avoid; i++) out.add(new LabelledText(avoidPrefix + i, LabelledText.AVOID));
        for (int i = 0; i < keep; i++) out.add(new LabelledText(keepPrefix + i, LabelledText.KEEP));
        return out;
    }

    @Test void enoughDistinctTextsPass() {
        assertEquals(List.of(), TrainingDataCheck.problems(texts(16, 20, "rude ", "kind ")));
    }

    @Test void tooFewIdenticalOrRepeatedTextsAreNamed() {
        assertEquals(List.of("only 2 avoid texts; a probe needs at least 16 per class", "only 1 keep text; a probe needs at least 16 per class"),
                TrainingDataCheck.problems(texts(2, 1, "a", "b")));
        assertEquals(List.of("the avoid and keep texts are identical (20 distinct texts in both classes)"),
                TrainingDataCheck.problems(texts(20, 20, "same ", "same ")));
        List<LabelledText> repeated = new ArrayList<>(texts(0, 20, "", "kind "));
        for (int i = 0; i < 20; i++) repeated.add(new LabelledText("again", LabelledText.AVOID));
        assertEquals(List.of("all 20 avoid texts are the same text"), TrainingDataCheck.problems(repeated));
        List<LabelledText> overlap = texts(20, 20, "x", "y");
        for (int i = 0; i < 15; i++) overlap.add(new LabelledText("x" + i, LabelledText.KEEP));
        assertEquals(List.of("15 texts (75% of the smaller class) appear in both classes"), TrainingDataCheck.problems(overlap));
    }
}
