package io.scalpel.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of one PTX module, with the few facts the loader and the tests read from it: the ISA version
 * (which decides the driver needed), the target, and each entry point's parameter types.
 */
public record Ptx(PtxModule module, String text) {

    private static final Pattern VERSION = Pattern.compile("^\\s*\\.version\\s+(\\d+)\\.(\\d+)", Pattern.MULTILINE);
    private static final Pattern TARGET = Pattern.compile("^\\s*\\.target\\s+(\\w+)", Pattern.MULTILINE);
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?(\\.\\w+)");

    public PtxIsa isa() {
        Matcher m = VERSION.matcher(text);
        if (!m.find()) throw new IllegalStateException(module.resourcePath() + " has no .version line: not PTX");
        return new PtxIsa(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** The {@code .target} (e.g. "sm_80"). */
    public String target() {
        Matcher m = TARGET.matcher(text);
        if (!m.find()) throw new IllegalStateException(module.resourcePath() + " has no .target line: not PTX");
        return m.group(1);
    }

    /** Every {@code .entry} (kernel) in declaration order. */
    public List<PtxEntry> entries() {
        List<PtxEntry> entries = new ArrayList<>();
        Matcher m = ENTRY.matcher(text);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) params.add(p.group(1));
            entries.add(new PtxEntry(m.group(1), params));
        }
        return entries;
    }

    public Optional<PtxEntry> entry(String name) {
        return entries().stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
