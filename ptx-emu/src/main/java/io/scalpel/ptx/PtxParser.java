package io.scalpel.ptx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PTX text (the subset nvcc writes for the committed kernels: entries, {@code .reg}/{@code .shared}
 * declarations, scoped {@code { }} blocks, labels, guarded instructions) and decodes every entry into a
 * {@link KernelCode}. Decoding is where names become slots and modifiers become fields, once per module;
 * anything the interpreter cannot execute is collected and reported with its line, never guessed at.
 */
final class PtxParser {

    private static final Pattern ENTRY = Pattern.compile(
            "\\.entry\\s+([\\w$]+)\\s*\\((.*)\\)\\s*(?:\\.maxntid\\s+(\\d+)\\s*(?:,\\s*(\\d+))?\\s*(?:,\\s*(\\d+))?)?\\s*", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+([\\w$]+)");
    private static final Pattern REG = Pattern.compile("\\.reg\\s+\\.(\\w+)\\s+(.+)");
    private static final Pattern SHARED = Pattern.compile("(\\.extern\\s+)?\\.shared\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+([\\w$]+)\\s*\\[(\\d*)\\]");
    private static final Pattern VERSION = Pattern.compile("\\.version\\s+(\\d+)\\.(\\d+)");
    private static final Pattern ADDRESS_SIZE = Pattern.compile("\\.address_size\\s+(\\d+)");
    private static final Pattern LABEL = Pattern.compile("[\\w$]+");

    private final String module;
    private final String text;
    private final List<String> unsupported = new ArrayList<>();

    private PtxParser(String module, String text) {
        this.module = module;
        this.text = text;
    }

    /** Decodes a module; fails naming every line it cannot execute. */
    static List<KernelCode> parse(String module, String text) {
        PtxParser p = new PtxParser(module, text);
        List<KernelCode> kernels = p.run();
        if (!p.unsupported.isEmpty()) {
            throw new PtxException(module + ": the interpreter does not implement " + String.join("; ", p.unsupported));
        }
        return kernels;
    }

    /** What {@link #parse} would refuse, one entry per instruction ("line 12: foo.bar.s32 (why)"); empty when all decode. */
    static List<String> unsupported(String module, String text) {
        PtxParser p = new PtxParser(module, text);
        p.run();
        return List.copyOf(p.unsupported);
    }

    /** A statement of the source: its text without the terminator, and the line it starts on. */
    private record Statement(String text, int line) {}

    // ---- module level -------------------------------------------------------------------------------------------

    private record SharedVar(String name, int align, int size, boolean extern) {}

    private List<KernelCode> run() {
        String src = stripComments(text);
        List<KernelCode> kernels = new ArrayList<>();
        List<SharedVar> moduleShared = new ArrayList<>();
        int i = 0, line = 1, n = src.length();
        StringBuilder cur = new StringBuilder();
        int curLine = 1;
        while (i < n) {
            char ch = src.charAt(i);
            if (ch == '\n') line++;
            if (cur.isEmpty() && Character.isWhitespace(ch)) { i++; continue; }
            if (cur.isEmpty()) curLine = line;
            if (ch == ';') {
                moduleStatement(new Statement(cur.toString().trim(), curLine), moduleShared);
                cur.setLength(0);
                i++;
            } else if (ch == '{' && cur.indexOf(".entry") >= 0) {
                int[] endAndLine = new int[] {i + 1, line};
                kernels.add(entry(cur.toString().trim(), curLine, src, endAndLine, moduleShared));
                i = endAndLine[0];
                line = endAndLine[1];
                cur.setLength(0);
            } else {
                cur.append(ch);
                i++;
            }
        }
        return kernels;
    }

    /** Module-level text up to a ';': .version/.target/.address_size (which have no terminator) and shared declarations. */
    private void moduleStatement(Statement s, List<SharedVar> moduleShared) {
        String t = s.text();
        Matcher m = VERSION.matcher(t);
        if (m.find()) {
            int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
            if (major > DeviceLimits.PTX_ISA_MAJOR || (major == DeviceLimits.PTX_ISA_MAJOR && minor > DeviceLimits.PTX_ISA_MINOR)) {
                unsupported.add("line " + s.line() + ": PTX ISA " + major + "." + minor + " (newest accepted is "
                        + DeviceLimits.PTX_ISA_MAJOR + "." + DeviceLimits.PTX_ISA_MINOR + ")");
            }
        }
        Matcher a = ADDRESS_SIZE.matcher(t);
        if (a.find() && !a.group(1).equals("64")) unsupported.add("line " + s.line() + ": .address_size " + a.group(1));
        String rest = t.replaceAll("\\.version\\s+\\S+|\\.target\\s+[\\w, ]+?(?=\\s*\\.|$)|\\.address_size\\s+\\d+", "").trim();
        if (rest.isEmpty()) return;
        Matcher sh = SHARED.matcher(rest);
        if (sh.find() && sh.start() == 0 && sh.end() == rest.length()) moduleShared.add(sharedVar(sh));
        else unsupported.add("line " + s.line() + ": module-level " + rest);
    }

    private static SharedVar sharedVar(Matcher m) {
        boolean extern = m.group(1) != null;
        int align = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
        ScalarType elem = ScalarType.of(m.group(3));
        int count = m.group(5).isEmpty() ? 0 : Integer.parseInt(m.group(5));
        return new SharedVar(m.group(4), align, count * (elem == null ? 1 : elem.bytes()), extern);
    }

    // ---- one entry ----------------------------------------------------------------------------------------------

    /** Register names visible in one { } scope. */
    private final Deque<Map<String, Integer>> scopes = new ArrayDeque<>();
    private final Map<Long, Integer> constants = new HashMap<>();
    private final Map<String, Integer> sharedOffsets = new HashMap<>();
    private final Map<String, KernelCode.Param> params = new LinkedHashMap<>();
    private int slotCount;
    private String kernel;

    private KernelCode entry(String header, int headerLine, String src, int[] endAndLine, List<SharedVar> moduleShared) {
        Matcher m = ENTRY.matcher(header);
        if (!m.find()) throw new PtxException(module + ": line " + headerLine + ": cannot read entry header " + header);
        kernel = m.group(1);
        int[] maxntid = null;
        if (m.group(3) != null) {
            maxntid = new int[] {Integer.parseInt(m.group(3)), m.group(4) == null ? 1 : Integer.parseInt(m.group(4)),
                    m.group(5) == null ? 1 : Integer.parseInt(m.group(5))};
        }
        params.clear();
        int paramOffset = 0;
        Matcher pm = PARAM.matcher(m.group(2));
        while (pm.find()) {
            ScalarType t = ScalarType.of(pm.group(1));
            if (t == null) { unsupported.add("line " + headerLine + ": parameter type ." + pm.group(1)); continue; }
            int size = t.bytes();
            paramOffset = (paramOffset + size - 1) / size * size;
            params.put(pm.group(2), new KernelCode.Param(pm.group(2), t, paramOffset, size));
            paramOffset += size;
        }
        scopes.clear();
        constants.clear();
        sharedOffsets.clear();
        slotCount = KernelCode.FIRST_FREE;
        scopes.push(new HashMap<>());

        // Body: split into statements and labels, tracking scopes; shared declarations are laid out as met.
        List<Object> items = new ArrayList<>();
        int i = endAndLine[0], line = endAndLine[1], depth = 1, n = src.length();
        StringBuilder cur = new StringBuilder();
        int curLine = line;
        while (i < n && depth > 0) {
            char ch = src.charAt(i++);
            if (ch == '\n') line++;
            if (cur.isEmpty() && Character.isWhitespace(ch)) continue;
            if (cur.isEmpty()) curLine = line;
            if (cur.isEmpty() && ch == '{') { items.add(+1); depth++; continue; }
            if (cur.isEmpty() && ch == '}') { items.add(-1); depth--; continue; }
            if (ch == ';') { items.add(new Statement(cur.toString().trim(), curLine)); cur.setLength(0); continue; }
            if (ch == ':' && LABEL.matcher(cur.toString().trim()).matches()) {
                items.add(new Statement(cur.toString().trim() + ":", curLine));
                cur.setLength(0);
                continue;
            }
            cur.append(ch);
        }
        endAndLine[0] = i;
        endAndLine[1] = line;

        // Static shared layout: module-level shared variables first (in declaration order), then the entry's own.
        int sharedBytes = 0, dynamicAlign = 0;
        boolean dynamic = false;
        List<SharedVar> shared = new ArrayList<>(moduleShared.stream().filter(v -> !v.extern()).toList());
        for (Object it : items) {
            if (it instanceof Statement s && s.text().startsWith(".shared")) {
                Matcher sm = SHARED.matcher(s.text());
                if (sm.find()) shared.add(sharedVar(sm)); else unsupported.add("line " + s.line() + ": " + s.text());
            }
        }
        for (SharedVar v : shared) {
            sharedBytes = (sharedBytes + v.align() - 1) / v.align() * v.align();
            sharedOffsets.put(v.name(), sharedBytes);
            sharedBytes += v.size();
        }
        List<SharedVar> externs = moduleShared.stream().filter(SharedVar::extern).toList();
        if (!externs.isEmpty() && usesAny(items, externs)) {
            dynamic = true;
            for (SharedVar v : externs) dynamicAlign = Math.max(dynamicAlign, v.align());
            int start = (sharedBytes + dynamicAlign - 1) / dynamicAlign * dynamicAlign;
            for (SharedVar v : externs) sharedOffsets.put(v.name(), start);
        }

        // Pass 1: label positions (instruction indices). Pass 2: decode with scopes.
        Map<String, Integer> labels = new HashMap<>();
        int count = 0;
        for (Object it : items) {
            if (it instanceof Statement s) {
                if (s.text().endsWith(":")) labels.put(s.text().substring(0, s.text().length() - 1), count);
                else if (!s.text().startsWith(".")) count++;
            }
        }
        List<Instruction> code = new ArrayList<>();
        Map<Instruction, String> branchLabels = new HashMap<>();
        for (Object it : items) {
            if (it instanceof Integer ev) {
                if (ev > 0) scopes.push(new HashMap<>()); else scopes.pop();
                continue;
            }
            Statement s = (Statement) it;
            String t = s.text();
            if (t.endsWith(":")) continue;
            if (t.startsWith(".reg")) { declareRegisters(t, s.line()); continue; }
            if (t.startsWith(".shared") || t.startsWith(".pragma")) continue;
            if (t.startsWith(".")) { unsupported.add("line " + s.line() + ": " + t); continue; }
            Instruction in = new Instruction();
            in.line = s.line();
            try {
                String label = InstructionDecoder.decode(t, in, this);
                if (label != null) branchLabels.put(in, label);
            } catch (PtxException e) {
                unsupported.add("line " + s.line() + ": " + e.getMessage());
                in.op = Op.RET; // placeholder; parse() refuses the module anyway
            }
            code.add(in);
        }
        for (Map.Entry<Instruction, String> b : branchLabels.entrySet()) {
            Integer target = labels.get(b.getValue());
            if (target == null) unsupported.add("line " + b.getKey().line + ": branch to unknown label " + b.getValue());
            else b.getKey().target = target;
        }
        // Falling off the end of an entry exits the thread.
        Instruction end = new Instruction();
        end.op = Op.RET;
        end.opcode = "ret";
        end.line = line;
        code.add(end);

        long[] template = new long[slotCount];
        for (Map.Entry<Long, Integer> c : constants.entrySet()) template[c.getValue()] = c.getKey();
        return new KernelCode(module, kernel, List.copyOf(params.values()), paramOffset, maxntid, sharedBytes,
                Math.max(dynamicAlign, 1), dynamic, code.toArray(Instruction[]::new), slotCount, template);
    }

    private static boolean usesAny(List<Object> items, List<SharedVar> vars) {
        for (Object it : items) {
            if (it instanceof Statement s) for (SharedVar v : vars) if (s.text().contains(v.name())) return true;
        }
        return false;
    }

    private void declareRegisters(String t, int line) {
        Matcher m = REG.matcher(t);
        if (!m.find() || ScalarType.of(m.group(1)) == null) { unsupported.add("line " + line + ": " + t); return; }
        Map<String, Integer> scope = scopes.peek();
        for (String name : m.group(2).split(",")) {
            name = name.trim();
            int lt = name.indexOf('<');
            if (lt >= 0) {
                String prefix = name.substring(0, lt);
                int count = Integer.parseInt(name.substring(lt + 1, name.indexOf('>')).trim());
                for (int k = 0; k < count; k++) scope.put(prefix + k, slotCount++);
            } else {
                scope.put(name, slotCount++);
            }
        }
    }

    // ---- operand resolution, used by InstructionDecoder --------------------------------------------------------

    String kernelName() { return kernel; }

    /** The slot of a register, special register, immediate or shared-variable address. */
    int slot(String token) {
        token = token.trim();
        for (Map<String, Integer> scope : scopes) {
            Integer s = scope.get(token);
            if (s != null) return s;
        }
        switch (token) {
            case "%tid.x": return KernelCode.TID;
            case "%tid.y": return KernelCode.TID + 1;
            case "%tid.z": return KernelCode.TID + 2;
            case "%ntid.x": return KernelCode.NTID;
            case "%ntid.y": return KernelCode.NTID + 1;
            case "%ntid.z": return KernelCode.NTID + 2;
            case "%ctaid.x": return KernelCode.CTAID;
            case "%ctaid.y": return KernelCode.CTAID + 1;
            case "%ctaid.z": return KernelCode.CTAID + 2;
            case "%nctaid.x": return KernelCode.NCTAID;
            case "%nctaid.y": return KernelCode.NCTAID + 1;
            case "%nctaid.z": return KernelCode.NCTAID + 2;
            case "%laneid": return KernelCode.LANEID;
            case "%warpid": return KernelCode.WARPID;
            default: break;
        }
        Integer shared = sharedOffsets.get(token);
        if (shared != null) return constant(shared);
        Long imm = immediate(token);
        if (imm != null) return constant(imm);
        throw new PtxException("unknown operand " + token);
    }

    /** A slot holding a constant (shared between uses). */
    int constant(long value) {
        Integer s = constants.get(value);
        if (s == null) {
            s = slotCount++;
            constants.put(value, s);
        }
        return s;
    }

    /** The byte offset of a parameter in the parameter buffer, or null if the name is no parameter. */
    KernelCode.Param param(String name) { return params.get(name); }

    /** The shared-memory offset a symbol stands for, or null. */
    Integer sharedSymbol(String name) { return sharedOffsets.get(name); }

    static Long immediate(String t) {
        try {
            if (t.startsWith("0f") || t.startsWith("0F")) return Long.parseLong(t.substring(2), 16) & 0xFFFF_FFFFL;
            if (t.startsWith("0d") || t.startsWith("0D")) return Long.parseUnsignedLong(t.substring(2), 16);
            boolean neg = t.startsWith("-");
            String u = neg ? t.substring(1) : t;
            if (u.endsWith("U")) u = u.substring(0, u.length() - 1);
            long v;
            if (u.startsWith("0x") || u.startsWith("0X")) v = Long.parseUnsignedLong(u.substring(2), 16);
            else if (!u.isEmpty() && Character.isDigit(u.charAt(0))) v = Long.parseLong(u);
            else return null;
            return neg ? -v : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            if (s.startsWith("//", i)) {
                while (i < n && s.charAt(i) != '\n') i++;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int k = i; k < end; k++) if (s.charAt(k) == '\n') out.append('\n'); // keep line numbers
                i = end;
            } else {
                out.append(s.charAt(i++));
            }
        }
        return out.toString();
    }
}
