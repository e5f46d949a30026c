package io.scalpel.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key/value metadata of a GGUF file, in file order. Values are held in the narrowest Java type that
 * keeps every value of their GGUF type: 8/16-bit integers and INT32 as {@link Integer}; UINT32, INT64 and
 * UINT64 as {@link Long} (UINT64 above 2^63 wraps negative); FLOAT32 as {@link Float}; FLOAT64 as
 * {@link Double}; BOOL as {@link Boolean}; STRING as {@link String}. Arrays become {@code int[]},
 * {@code long[]}, {@code float[]}, {@code double[]}, {@code boolean[]} by the same rule, {@code List<String>}
 * for strings and {@code List<Object>} for arrays of arrays.
 *
 * <p>The typed getters convert between numeric types only where no value is lost, and fail with a
 * one-line {@link IllegalArgumentException} naming the key when the stored type does not fit.
 */
public record GgufMetadata(Map<String, Object> values) {

    public GgufMetadata {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean contains(String key) { return values.containsKey(key); }

    /** The raw value, or null when absent. */
    public Object get(String key) { return values.get(key); }

    public String getString(String key, String fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    public long getLong(String key, long fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
        throw wrongType(key, v, "an integer");
    }

    public int getInt(String key, int fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        long l = getLong(key, fallback);
        if (l != (int) l) throw new IllegalArgumentException("metadata " + key + " = " + l + " does not fit in an int");
        return (int) l;
    }

    public float getFloat(String key, float fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.floatValue();
        throw wrongType(key, v, "a number");
    }

    public boolean getBoolean(String key, boolean fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw wrongType(key, v, "a boolean");
    }

    /** A string array, or null when absent. */
    @SuppressWarnings("unchecked")
    public List<String> getStringList(String key) {
        Object v = values.get(key);
        if (v == null) return null;
        if (v instanceof List<?> list && list.stream().allMatch(e -> e instanceof String)) return (List<String>) list;
        throw wrongType(key, v, "an array of strings");
    }

    /** A numeric array as floats, or null when absent. */
    public float[] getFloatArray(String key) {
        Object v = values.get(key);
        return switch (v) {
            case null -> null;
            case float[] f -> f.clone();
            case double[] d -> {
                float[] out = new float[d.length];
                for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
                yield out;
            }
            case int[] a -> {
                float[] out = new float[a.length];
                for (int i = 0; i < a.length; i++) out[i] = a[i];
                yield out;
            }
            default -> throw wrongType(key, v, "an array of numbers");
        };
    }

    /** An integer array as ints, or null when absent; fails if an element does not fit in an int. */
    public int[] getIntArray(String key) {
        Object v = values.get(key);
        return switch (v) {
            case null -> null;
            case int[] a -> a.clone();
            case long[] l -> {
                int[] out = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    if (l[i] != (int) l[i]) {
                        throw new IllegalArgumentException("metadata " + key + "[" + i + "] = " + l[i] + " does not fit in an int");
                    }
                    out[i] = (int) l[i];
                }
                yield out;
            }
            default -> throw wrongType(key, v, "an array of integers");
        };
    }

    private static IllegalArgumentException wrongType(String key, Object v, String wanted) {
        return new IllegalArgumentException("metadata " + key + " is " + describe(v) + ", not " + wanted);
    }

    private static String describe(Object v) {
        return switch (v) {
            case List<?> l -> "an array of " + l.size();
            case int[] a -> "an int array of " + a.length;
            case long[] a -> "a long array of " + a.length;
            case float[] a -> "a float array of " + a.length;
            case double[] a -> "a double array of " + a.length;
            case boolean[] a -> "a bool array of " + a.length;
            default -> "a " + v.getClass().getSimpleName();
        };
    }
}
