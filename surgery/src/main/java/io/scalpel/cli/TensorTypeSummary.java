package io.scalpel.cli;

import io.scalpel.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stored type of every tensor, one line per type, with per-layer tensors folded by kind:
 * {@code Q6_K  output.weight, blk.*.attn_v.weight (layers 0, 3)} — what a mixed file (Q4_K_M) puts where.
 */
final class TensorTypeSummary {
    private static final Pattern LAYER = Pattern.compile("(?:blk|model\\.layers|layers)\\.(\\d+)\\.(.+)");

    private TensorTypeSummary() {}

    /** One line per stored type ("Q4_K  a, b (layers 0-3)"), types in name order, tensors in the order given. */
    static List<String> lines(List<Tensor> tensors, int layers) {
        Map<String, Map<String, TreeSet<Integer>>> byType = new TreeMap<>();
        for (Tensor t : tensors) {
            Map<String, TreeSet<Integer>> kinds = byType.computeIfAbsent(t.dtype().name(), k -> new LinkedHashMap<>());
            Matcher m = LAYER.matcher(t.name());
            if (m.matches()) {
                String kind = t.name().substring(0, m.start(1)) + "*." + m.group(2);
                kinds.computeIfAbsent(kind, k -> new TreeSet<>()).add(Integer.parseInt(m.group(1)));
            } else {
                kinds.putIfAbsent(t.name(), new TreeSet<>());
            }
        }
        List<String> out = new ArrayList<>();
        byType.forEach((type, kinds) -> {
            List<String> parts = new ArrayList<>();
            kinds.forEach((kind, ls) -> parts.add(ls.isEmpty() ? kind : kind + " (" + layerList(ls, layers) + ")"));
            out.add(String.format("%-5s %s", type, String.join(", ", parts)));
        });
        return out;
    }

    /** "all layers", or the indices with runs folded ("layers 0-1, 3"). */
    private static String layerList(TreeSet<Integer> ls, int layers) {
        if (ls.size() == layers && ls.first() == 0 && ls.last() == layers - 1) return "all layers";
        List<String> runs = new ArrayList<>();
        Integer start = null, prev = null;
        for (int l : ls) {
            if (start != null && l == prev + 1) {
                prev = l;
                continue;
            }
            if (start != null) runs.add(start.equals(prev) ? "" + start : start + "-" + prev);
            start = l;
            prev = l;
        }
        runs.add(start.equals(prev) ? "" + start : start + "-" + prev);
        return (ls.size() == 1 ? "layer " : "layers ") + String.join(", ", runs);
    }
}
