package io.scalpel.ptx;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns one PTX instruction's text into an {@link Instruction}. Each opcode accepts an explicit set of
 * modifiers; any other combination throws {@link PtxException} naming it, so nothing unimplemented runs.
 */
final class InstructionDecoder {

    /** wmma matrices, as stored in {@link Instruction#mode} (times two, plus 1 for column-major). */
    static final int MATRIX_A = 0, MATRIX_B = 1, MATRIX_C = 2, MATRIX_D = 3;
    /** shfl modes. */
    static final int SHFL_UP = 0, SHFL_DOWN = 1, SHFL_BFLY = 2, SHFL_IDX = 3;
    /** vote modes. */
    static final int VOTE_BALLOT = 0, VOTE_ANY = 1, VOTE_ALL = 2;
    /** atom operations. */
    static final int ATOM_ADD = 0, ATOM_MIN = 1, ATOM_MAX = 2, ATOM_EXCH = 3, ATOM_CAS = 4, ATOM_AND = 5, ATOM_OR = 6, ATOM_XOR = 7;

    private static final Set<ScalarType> INTEGERS = Set.of(ScalarType.U16, ScalarType.U32, ScalarType.U64,
            ScalarType.S16, ScalarType.S32, ScalarType.S64);
    private static final Set<ScalarType> BITS = Set.of(ScalarType.B16, ScalarType.B32, ScalarType.B64, ScalarType.PRED);

    private InstructionDecoder() {}

    /** Fills {@code in}; returns the branch label when the instruction is a branch. */
    static String decode(String text, Instruction in, PtxParser p) {
        String t = text.trim();
        if (t.startsWith("@")) {
            int sp = firstSpace(t);
            String g = t.substring(1, sp);
            in.guardNegated = g.startsWith("!");
            in.guard = p.slot(in.guardNegated ? g.substring(1) : g);
            t = t.substring(sp).trim();
        }
        int sp = firstSpace(t);
        String opcode = t.substring(0, sp);
        in.opcode = opcode;
        List<String> ops = operands(t.substring(sp).trim());
        String[] parts = opcode.split("\\.");
        String name = parts[0];
        List<String> mods = new ArrayList<>(List.of(parts).subList(1, parts.length));
        return switch (name) {
            case "mov" -> { mov(in, mods, ops, p); yield null; }
            case "add", "sub", "mul", "mad", "fma", "div", "rem", "min", "max", "neg", "abs" -> { arithmetic(name, in, mods, ops, p); yield null; }
            case "and", "or", "xor", "not", "shl", "shr", "popc", "clz", "brev", "bfind" -> { bits(name, in, mods, ops, p); yield null; }
            case "rcp", "sqrt", "rsqrt", "ex2", "lg2" -> { unaryFloat(name, in, mods, ops, p); yield null; }
            case "setp" -> { setp(in, mods, ops, p); yield null; }
            case "selp" -> {
                in.op = Op.SELP;
                in.type = onlyType(mods, opcode);
                dst(in, ops, 4, p);
                in.a = p.slot(ops.get(1)); in.b = p.slot(ops.get(2)); in.c = p.slot(ops.get(3));
                yield null;
            }
            case "bfi" -> {
                // bfi.b32 d, a, b, pos, len: b with bits [pos, pos+len) replaced by a's low len bits
                in.op = Op.BFI;
                in.type = onlyType(mods, opcode);
                if (in.type != ScalarType.B32 && in.type != ScalarType.B64) throw unsupported(opcode, "type");
                dst(in, ops, 5, p);
                in.a = p.slot(ops.get(1)); in.b = p.slot(ops.get(2)); in.c = p.slot(ops.get(3)); in.e = p.slot(ops.get(4));
                yield null;
            }
            case "prmt" -> {
                // prmt.b32 d, a, b, c: the generic byte permute (no .f4e/.b4e/... modes)
                in.op = Op.PRMT;
                in.type = onlyType(mods, opcode);
                if (in.type != ScalarType.B32) throw unsupported(opcode, "mode or type");
                dst(in, ops, 4, p);
                in.a = p.slot(ops.get(1)); in.b = p.slot(ops.get(2)); in.c = p.slot(ops.get(3));
                yield null;
            }
            case "cvt" -> { cvt(in, mods, ops, p); yield null; }
            case "cvta" -> { cvta(in, mods, ops, p); yield null; }
            case "ld", "st" -> { memory(name, in, mods, ops, p); yield null; }
            case "atom" -> { atom(in, mods, ops, p); yield null; }
            case "bar", "barrier" -> {
                if (!(mods.equals(List.of("sync")) || mods.isEmpty()) || ops.size() != 1 || !ops.get(0).equals("0")) {
                    throw unsupported(opcode, "only bar.sync 0 (the whole block)");
                }
                in.op = Op.BAR;
                yield null;
            }
            case "shfl" -> { shfl(in, mods, ops, p); yield null; }
            case "vote" -> { vote(in, mods, ops, p); yield null; }
            case "bra" -> {
                if (!(mods.isEmpty() || mods.equals(List.of("uni"))) || ops.size() != 1) throw unsupported(opcode, "");
                in.op = Op.BRA;
                yield ops.get(0);
            }
            case "ret", "exit" -> {
                if (!mods.isEmpty() || !ops.isEmpty()) throw unsupported(opcode, "");
                in.op = Op.RET;
                yield null;
            }
            case "wmma" -> { wmma(in, mods, ops, p); yield null; }
            default -> throw unsupported(opcode, "unknown opcode");
        };
    }

    // ---- families -----------------------------------------------------------------------------------------------

    private static void mov(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        in.type = onlyType(mods, in.opcode);
        need(ops, 2, in);
        String d = ops.get(0), a = ops.get(1);
        if (d.startsWith("{")) {
            in.op = Op.UNPACK;
            in.dv = vector(d, p);
            in.a = p.slot(a);
        } else if (a.startsWith("{")) {
            in.op = Op.PACK;
            in.d = p.slot(d);
            in.av = vector(a, p);
        } else {
            in.op = Op.MOV;
            in.d = p.slot(d);
            in.a = p.slot(a);
        }
        if ((in.op != Op.MOV) && (in.type.bits != 32 && in.type.bits != 64)) throw unsupported(in.opcode, "pack/unpack width");
    }

    private static void arithmetic(String name, Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        ScalarType type = lastType(mods, in.opcode);
        boolean floating = type.floating;
        if (floating) {
            if (type != ScalarType.F32 && type != ScalarType.F64) throw unsupported(in.opcode, "half-precision arithmetic");
            int rounding = Rounding.NEAREST;
            for (String m : mods.subList(0, mods.size() - 1)) {
                int r = Rounding.of(m);
                if (r >= 0 && !m.endsWith("i")) rounding = r;
                else if (m.equals("ftz")) in.ftz = true;
                else if (m.equals("sat")) in.sat = true;
                else if (m.equals("approx") || m.equals("full")) { if (!name.equals("div")) throw unsupported(in.opcode, m); in.integerRounding = true; }
                else throw unsupported(in.opcode, "modifier ." + m);
            }
            if (name.equals("div") && in.integerRounding && rounding != Rounding.NEAREST) throw unsupported(in.opcode, "");
            in.mode = rounding;
            in.op = switch (name) {
                case "add" -> Op.FADD; case "sub" -> Op.FSUB; case "mul" -> Op.FMUL;
                case "fma", "mad" -> Op.FMA; case "div" -> Op.FDIV;
                case "min" -> Op.FMIN; case "max" -> Op.FMAX; case "neg" -> Op.FNEG; case "abs" -> Op.FABS;
                default -> throw unsupported(in.opcode, "no float form");
            };
            if ((in.op == Op.FMIN || in.op == Op.FMAX || in.op == Op.FNEG || in.op == Op.FABS) && in.sat) throw unsupported(in.opcode, ".sat");
        } else {
            if (!INTEGERS.contains(type)) throw unsupported(in.opcode, "type");
            String width = null;
            for (String m : mods.subList(0, mods.size() - 1)) {
                if (m.equals("lo") || m.equals("hi") || m.equals("wide")) width = m;
                else throw unsupported(in.opcode, "modifier ." + m);
            }
            in.op = switch (name) {
                case "add" -> Op.ADD; case "sub" -> Op.SUB;
                case "mul" -> width == null ? null : switch (width) { case "lo" -> Op.MUL_LO; case "hi" -> Op.MUL_HI; default -> Op.MUL_WIDE; };
                case "mad" -> "lo".equals(width) ? Op.MAD_LO : null;
                case "div" -> Op.DIV; case "rem" -> Op.REM; case "min" -> Op.MIN; case "max" -> Op.MAX;
                case "neg" -> Op.NEG; case "abs" -> Op.ABS;
                default -> null;
            };
            if (in.op == null || (width != null && !name.equals("mul") && !name.equals("mad"))) throw unsupported(in.opcode, "");
            if (in.op == Op.MUL_WIDE && type.bits == 64) throw unsupported(in.opcode, "64-bit wide multiply");
        }
        in.type = type;
        int arity = switch (in.op) { case NEG, ABS, FNEG, FABS -> 1; case FMA, MAD_LO -> 3; default -> 2; };
        need(ops, arity + 1, in);
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
        if (arity > 1) in.b = p.slot(ops.get(2));
        if (arity > 2) in.c = p.slot(ops.get(3));
    }

    private static void bits(String name, Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        ScalarType type = lastType(mods, in.opcode);
        boolean shiftamt = mods.remove("shiftamt");
        if (mods.size() != 1) throw unsupported(in.opcode, "modifiers");
        in.type = type;
        in.op = switch (name) {
            case "and" -> Op.AND; case "or" -> Op.OR; case "xor" -> Op.XOR; case "not" -> Op.NOT;
            case "shl" -> Op.SHL; case "shr" -> Op.SHR; case "popc" -> Op.POPC; case "clz" -> Op.CLZ;
            case "brev" -> Op.BREV; default -> Op.BFIND;
        };
        boolean bitType = BITS.contains(type);
        boolean ok = switch (in.op) {
            case AND, OR, XOR, NOT -> bitType;
            case SHL -> bitType && type != ScalarType.PRED;
            case SHR -> type != ScalarType.PRED && !type.floating;
            case POPC, CLZ, BREV -> type == ScalarType.B32 || type == ScalarType.B64;
            default -> type == ScalarType.U32 || type == ScalarType.S32 || type == ScalarType.U64 || type == ScalarType.S64;
        };
        if (!ok || (shiftamt && in.op != Op.BFIND)) throw unsupported(in.opcode, "type");
        in.sat = shiftamt; // bfind.shiftamt
        int arity = switch (in.op) { case NOT, POPC, CLZ, BREV, BFIND -> 1; default -> 2; };
        need(ops, arity + 1, in);
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
        if (arity > 1) in.b = p.slot(ops.get(2));
    }

    private static void unaryFloat(String name, Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        ScalarType type = lastType(mods, in.opcode);
        if (type != ScalarType.F32 && !(type == ScalarType.F64 && !name.equals("ex2") && !name.equals("lg2"))) throw unsupported(in.opcode, "type");
        boolean approx = false;
        int rounding = -1;
        for (String m : mods.subList(0, mods.size() - 1)) {
            int r = Rounding.of(m);
            if (r >= 0 && !m.endsWith("i")) rounding = r;
            else if (m.equals("approx")) approx = true;
            else if (m.equals("ftz")) in.ftz = true;
            else throw unsupported(in.opcode, "modifier ." + m);
        }
        boolean exactAllowed = name.equals("rcp") || name.equals("sqrt");
        if (approx == (rounding >= 0) || (!approx && !exactAllowed)) throw unsupported(in.opcode, "needs exactly one of .approx or a rounding mode");
        in.integerRounding = approx; // reused as "approximate" for these ops
        in.mode = Math.max(rounding, 0);
        in.type = type;
        in.op = switch (name) { case "rcp" -> Op.RCP; case "sqrt" -> Op.SQRT; case "rsqrt" -> Op.RSQRT; case "ex2" -> Op.EX2; default -> Op.LG2; };
        need(ops, 2, in);
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
    }

    private static void setp(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        if (mods.size() < 2) throw unsupported(in.opcode, "");
        in.type = lastType(mods, in.opcode);
        int cmp = Compare.of(mods.get(0));
        if (cmp < 0) throw unsupported(in.opcode, "comparison");
        for (String m : mods.subList(1, mods.size() - 1)) {
            if (m.equals("ftz") && in.type.floating) in.ftz = true;
            else throw unsupported(in.opcode, "modifier ." + m + " (combining setp forms are not implemented)");
        }
        if (!in.type.floating && cmp >= Compare.EQU) throw unsupported(in.opcode, "unordered comparison of integers");
        if (in.type == ScalarType.F16 || in.type == ScalarType.BF16 || in.type == ScalarType.PRED) throw unsupported(in.opcode, "type");
        in.mode = cmp;
        in.op = Op.SETP;
        need(ops, 3, in);
        if (ops.get(0).contains("|")) throw unsupported(in.opcode, "two-predicate form");
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
        in.b = p.slot(ops.get(2));
    }

    private static void cvt(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        if (mods.size() < 2) throw unsupported(in.opcode, "");
        ScalarType to = ScalarType.of(mods.get(mods.size() - 2)), from = ScalarType.of(mods.get(mods.size() - 1));
        if (to == null || from == null || to == ScalarType.PRED || from == ScalarType.PRED) throw unsupported(in.opcode, "types");
        int rounding = -1;
        boolean integerRounding = false;
        for (String m : mods.subList(0, mods.size() - 2)) {
            int r = Rounding.of(m);
            if (r >= 0) { rounding = r; integerRounding = m.endsWith("i"); }
            else if (m.equals("ftz")) in.ftz = true;
            else if (m.equals("sat")) in.sat = true;
            else throw unsupported(in.opcode, "modifier ." + m);
        }
        // PTX: float→int needs an integer rounding; int→float and narrowing float→float need a float rounding;
        // float→float of the same width may take an integer rounding (round to integral value).
        if (to.floating && from.floating) {
            boolean narrowing = to.bits < from.bits || (to.bits == from.bits && to != from);
            if (narrowing && (rounding < 0 || integerRounding)) throw unsupported(in.opcode, "narrowing needs .rn/.rz/.rm/.rp");
            if (to == from && rounding >= 0 && !integerRounding) throw unsupported(in.opcode, "");
            if (!narrowing && to != from && rounding >= 0) throw unsupported(in.opcode, "widening takes no rounding");
        } else if (from.floating) {
            if (rounding < 0 || !integerRounding) throw unsupported(in.opcode, "float to integer needs .rni/.rzi/.rmi/.rpi");
        } else if (to.floating) {
            if (rounding < 0 || integerRounding) throw unsupported(in.opcode, "integer to float needs .rn/.rz/.rm/.rp");
        } else if (rounding >= 0) {
            throw unsupported(in.opcode, "integer conversion takes no rounding");
        }
        if (in.sat && !to.floating && !from.floating) throw unsupported(in.opcode, "integer .sat");
        in.op = Op.CVT;
        in.type = to;
        in.from = from;
        in.mode = Math.max(rounding, 0);
        in.integerRounding = integerRounding;
        need(ops, 2, in);
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
    }

    private static void cvta(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        in.type = lastType(mods, in.opcode);
        if (in.type != ScalarType.U64) throw unsupported(in.opcode, "type");
        List<String> rest = mods.subList(0, mods.size() - 1);
        if (rest.equals(List.of("to", "global")) || rest.equals(List.of("global"))) in.op = Op.CVTA_TO_GLOBAL;
        else if (rest.equals(List.of("shared"))) in.op = Op.CVTA_SHARED;
        else if (rest.equals(List.of("to", "shared"))) in.op = Op.CVTA_TO_SHARED;
        else throw unsupported(in.opcode, "state space");
        need(ops, 2, in);
        in.d = p.slot(ops.get(0));
        in.a = p.slot(ops.get(1));
    }

    private static void memory(String name, Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        in.type = lastType(mods, in.opcode);
        if (in.type == ScalarType.PRED) throw unsupported(in.opcode, "type");
        in.space = StateSpace.GENERIC;
        int width = 1;
        for (String m : mods.subList(0, mods.size() - 1)) {
            switch (m) {
                case "global" -> in.space = StateSpace.GLOBAL;
                case "shared" -> in.space = StateSpace.SHARED;
                case "local" -> in.space = StateSpace.LOCAL;
                case "param" -> in.space = StateSpace.PARAM;
                case "nc" -> { if (!name.equals("ld")) throw unsupported(in.opcode, ".nc"); in.nonCoherent = true; }
                case "v2" -> width = 2;
                case "v4" -> width = 4;
                default -> throw unsupported(in.opcode, "modifier ." + m);
            }
        }
        if (in.space == StateSpace.LOCAL) throw unsupported(in.opcode, "local memory");
        if (in.nonCoherent && in.space != StateSpace.GLOBAL) throw unsupported(in.opcode, ".nc outside .global");
        need(ops, 2, in);
        String value = name.equals("ld") ? ops.get(0) : ops.get(1);
        String address = name.equals("ld") ? ops.get(1) : ops.get(0);
        if (in.space == StateSpace.PARAM) {
            if (!name.equals("ld") || width != 1) throw unsupported(in.opcode, "only scalar ld.param");
            String inner = address.substring(1, address.length() - 1).trim();
            int plus = inner.indexOf('+');
            String sym = plus < 0 ? inner : inner.substring(0, plus).trim();
            KernelCode.Param param = p.param(sym);
            if (param == null) throw unsupported(in.opcode, "unknown parameter " + sym);
            in.offset = param.offset() + (plus < 0 ? 0 : Long.parseLong(inner.substring(plus + 1).trim()));
            if (in.type.bytes() > param.size()) throw unsupported(in.opcode, "reads past parameter " + sym);
            in.op = Op.LD_PARAM;
            in.d = p.slot(value);
            return;
        }
        address(address, in, p);
        in.op = name.equals("ld") ? Op.LD : Op.ST;
        if (width == 1) {
            if (name.equals("ld")) in.d = p.slot(value); else in.a = p.slot(value);
        } else {
            int[] v = vector(value, p);
            if (v.length != width) throw unsupported(in.opcode, "vector operand has " + v.length + " elements");
            if (name.equals("ld")) in.dv = v; else in.av = v;
        }
    }

    private static void atom(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        in.type = lastType(mods, in.opcode);
        in.space = StateSpace.GENERIC;
        in.mode = -1;
        for (String m : mods.subList(0, mods.size() - 1)) {
            switch (m) {
                case "global" -> in.space = StateSpace.GLOBAL;
                case "shared" -> in.space = StateSpace.SHARED;
                case "add" -> in.mode = ATOM_ADD; case "min" -> in.mode = ATOM_MIN; case "max" -> in.mode = ATOM_MAX;
                case "exch" -> in.mode = ATOM_EXCH; case "cas" -> in.mode = ATOM_CAS;
                case "and" -> in.mode = ATOM_AND; case "or" -> in.mode = ATOM_OR; case "xor" -> in.mode = ATOM_XOR;
                default -> throw unsupported(in.opcode, "modifier ." + m);
            }
        }
        if (in.mode < 0 || in.type.floating && in.mode != ATOM_ADD || in.type.bits < 32) throw unsupported(in.opcode, "");
        if (in.type == ScalarType.F64) throw unsupported(in.opcode, "type");
        need(ops, in.mode == ATOM_CAS ? 4 : 3, in);
        in.op = Op.ATOM;
        in.d = p.slot(ops.get(0));
        address(ops.get(1), in, p);
        in.b = p.slot(ops.get(2));
        if (in.mode == ATOM_CAS) in.c = p.slot(ops.get(3));
    }

    private static void shfl(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        if (mods.size() != 3 || !mods.get(0).equals("sync") || !mods.get(2).equals("b32")) throw unsupported(in.opcode, "only shfl.sync.MODE.b32");
        in.mode = switch (mods.get(1)) {
            case "up" -> SHFL_UP; case "down" -> SHFL_DOWN; case "bfly" -> SHFL_BFLY; case "idx" -> SHFL_IDX;
            default -> throw unsupported(in.opcode, "mode");
        };
        in.type = ScalarType.B32;
        in.op = Op.SHFL;
        need(ops, 5, in);
        String d = ops.get(0);
        int bar = d.indexOf('|');
        in.d = p.slot(bar < 0 ? d : d.substring(0, bar));
        if (bar >= 0) in.d2 = p.slot(d.substring(bar + 1));
        in.a = p.slot(ops.get(1));
        in.b = p.slot(ops.get(2));
        in.c = p.slot(ops.get(3));
        in.e = p.slot(ops.get(4));
    }

    private static void vote(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        if (mods.size() != 3 || !mods.get(0).equals("sync")) throw unsupported(in.opcode, "only vote.sync");
        in.mode = switch (mods.get(1) + "." + mods.get(2)) {
            case "ballot.b32" -> VOTE_BALLOT; case "any.pred" -> VOTE_ANY; case "all.pred" -> VOTE_ALL;
            default -> throw unsupported(in.opcode, "mode");
        };
        in.type = ScalarType.of(mods.get(2));
        in.op = Op.VOTE;
        need(ops, 3, in);
        in.d = p.slot(ops.get(0));
        String a = ops.get(1);
        in.aNegated = a.startsWith("!");
        in.a = p.slot(in.aNegated ? a.substring(1) : a);
        in.e = p.slot(ops.get(2));
    }

    private static void wmma(Instruction in, List<String> mods, List<String> ops, PtxParser p) {
        // wmma.load.{a,b,c}.sync.aligned.{row,col}.m16n16k16[.space].type / wmma.store.d... / wmma.mma.sync.aligned.L.L.m16n16k16.types
        String what = mods.get(0);
        if (mods.size() < 5 || !mods.contains("sync") || !mods.contains("aligned") || !mods.contains("m16n16k16")) throw unsupported(in.opcode, "only m16n16k16 .sync.aligned");
        in.space = mods.contains("shared") ? StateSpace.SHARED : mods.contains("global") ? StateSpace.GLOBAL : StateSpace.GENERIC;
        if (what.equals("load") || what.equals("store")) {
            String matrix = mods.get(1);
            String layout = mods.get(4);
            ScalarType type = ScalarType.of(mods.get(mods.size() - 1));
            int m = switch (matrix) { case "a" -> MATRIX_A; case "b" -> MATRIX_B; case "c" -> MATRIX_C; case "d" -> MATRIX_D; default -> -1; };
            boolean ok = (what.equals("load") ? m >= 0 && m <= MATRIX_C : m == MATRIX_D)
                    && (layout.equals("row") || layout.equals("col"))
                    && (m <= MATRIX_B ? type == ScalarType.F16 || type == ScalarType.BF16 : type == ScalarType.F32);
            if (!ok) throw unsupported(in.opcode, "");
            in.mode = m * 2 + (layout.equals("col") ? 1 : 0);
            in.from = type;
            in.type = type;
            need(ops, 3, in);
            int[] frag = vector(what.equals("load") ? ops.get(0) : ops.get(1), p);
            if (frag.length != WmmaFragments.registers(m, type)) throw unsupported(in.opcode, "fragment of " + frag.length + " registers");
            address(what.equals("load") ? ops.get(1) : ops.get(0), in, p);
            in.b = p.slot(ops.get(2)); // stride, in elements
            if (what.equals("load")) { in.op = Op.WMMA_LOAD; in.dv = frag; } else { in.op = Op.WMMA_STORE; in.av = frag; }
        } else if (what.equals("mma")) {
            String la = mods.get(3), lb = mods.get(4);
            List<String> types = mods.subList(6, mods.size());
            ScalarType elem;
            if (types.equals(List.of("f32", "f32"))) elem = ScalarType.F16;
            else if (types.equals(List.of("f32", "bf16", "bf16", "f32"))) elem = ScalarType.BF16;
            else throw unsupported(in.opcode, "only f32 accumulation of f16 or bf16");
            if (!la.equals("row") && !la.equals("col") || !lb.equals("row") && !lb.equals("col")) throw unsupported(in.opcode, "layout");
            in.mode = (la.equals("col") ? 2 : 0) + (lb.equals("col") ? 1 : 0);
            in.from = elem;
            in.type = ScalarType.F32;
            in.op = Op.WMMA_MMA;
            need(ops, 4, in);
            in.dv = vector(ops.get(0), p);
            in.av = vector(ops.get(1), p);
            in.bv = vector(ops.get(2), p);
            in.cv = vector(ops.get(3), p);
            if (in.dv.length != 8 || in.cv.length != 8 || in.av.length != WmmaFragments.registers(MATRIX_A, elem)
                    || in.bv.length != WmmaFragments.registers(MATRIX_B, elem)) throw unsupported(in.opcode, "fragment sizes");
        } else {
            throw unsupported(in.opcode, "");
        }
    }

    // ---- operands -----------------------------------------------------------------------------------------------

    /** {@code [%rd1+8]}, {@code [%r2+-4]}, {@code [sym]}, {@code [sym+16]} → base slot and displacement. */
    private static void address(String op, Instruction in, PtxParser p) {
        if (!op.startsWith("[") || !op.endsWith("]")) throw new PtxException(in.opcode + ": expected an address, got " + op);
        String inner = op.substring(1, op.length() - 1).trim();
        int plus = inner.indexOf('+');
        String base = plus < 0 ? inner : inner.substring(0, plus).trim();
        long offset = plus < 0 ? 0 : Long.parseLong(inner.substring(plus + 1).trim());
        Integer symbol = p.sharedSymbol(base);
        if (symbol != null) {
            in.base = KernelCode.ZERO;
            in.offset = symbol + offset;
        } else {
            Long imm = PtxParser.immediate(base);
            if (imm != null) { in.base = KernelCode.ZERO; in.offset = imm + offset; }
            else { in.base = p.slot(base); in.offset = offset; }
        }
    }

    private static void dst(Instruction in, List<String> ops, int n, PtxParser p) {
        need(ops, n, in);
        in.d = p.slot(ops.get(0));
    }

    private static int[] vector(String op, PtxParser p) {
        String s = op.trim();
        if (!s.startsWith("{") || !s.endsWith("}")) throw new PtxException("expected a vector operand, got " + op);
        String[] parts = s.substring(1, s.length() - 1).split(",");
        int[] slots = new int[parts.length];
        for (int i = 0; i < parts.length; i++) slots[i] = p.slot(parts[i].trim());
        return slots;
    }

    private static void need(List<String> ops, int n, Instruction in) {
        if (ops.size() != n) throw new PtxException(in.opcode + ": expected " + n + " operands, got " + ops.size());
    }

    private static ScalarType lastType(List<String> mods, String opcode) {
        if (mods.isEmpty()) throw unsupported(opcode, "no type");
        ScalarType t = ScalarType.of(mods.getLast());
        if (t == null) throw unsupported(opcode, "no type");
        return t;
    }

    private static ScalarType onlyType(List<String> mods, String opcode) {
        if (mods.size() != 1) throw unsupported(opcode, "modifiers");
        return lastType(mods, opcode);
    }

    private static PtxException unsupported(String opcode, String why) {
        return new PtxException(opcode + (why.isEmpty() ? "" : " (" + why + ")"));
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return s.length();
    }

    /** Splits at commas outside {} and []. */
    static List<String> operands(String s) {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) return out;
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '{' || ch == '[') depth++;
            else if (ch == '}' || ch == ']') depth--;
            else if (ch == ',' && depth == 0) { out.add(s.substring(start, i).trim()); start = i + 1; }
        }
        out.add(s.substring(start).trim());
        return out;
    }
}
