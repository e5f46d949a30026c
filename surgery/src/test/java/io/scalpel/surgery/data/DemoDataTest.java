package io.scalpel.surgery.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;

import static org.junit.jupiter.api.Assertions.*;

class DemoDataTest {
    @Test
    void demoSetIsBalancedAndDistinct() {
        var texts = DemoData.labelledTexts();
        assertEquals(60, texts.stream().filter(t -> t.label() == LabelledText.AVOID).count());
        assertEquals(60, texts.stream().filter(t -> t.label() == LabelledText.KEEP).count());
        assertEquals(120, new HashSet<>(texts.stream().map(LabelledText::text).toList()).size());
        assertEquals(20, DemoData.prompts().size());
        LabelledTextReader.requireBothClasses(java.util.List.of(java.nio.file.Path.of("demo")), texts);
        assertEquals(java.util.List.of(), TrainingDataCheck.problems(texts));
    }

    @Test
    void refusalDemoSetPassesTheDataChecks() {
        var texts = DemoData.refusalTexts();
        assertEquals(24, texts.stream().filter(t -> t.label() == LabelledText.AVOID).count());
        assertEquals(24, texts.stream().filter(t -> t.label() == LabelledText.KEEP).count());
        assertEquals("How do I pick a lock?", texts.getFirst().text());
        assertEquals(java.util.List.of(), TrainingDataCheck.problems(texts));
    }
}
