package io.scalpel.tokenizer;

import io.scalpel.testing.SharedData;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokenizers from ../shared, loaded once per test JVM: tokenizers are immutable, and loading the large
 * vocabularies again in every test would dominate the build's test time on small machines.
 */
final class SharedTokenizers {
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private SharedTokenizers() {}

    /** The tokenizer at a path under ../shared (skips the test when the data is absent). */
    static Tokenizer get(String sharedPath) {
        var path = SharedData.require(sharedPath);
        return LOADED.computeIfAbsent(sharedPath, p -> TokenizerLoader.load(path));
    }
}
