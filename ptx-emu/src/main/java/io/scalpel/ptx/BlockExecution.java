package io.scalpel.ptx;

import java.util.Arrays;

import static io.scalpel.ptx.FloatMath.bits;
import static io.scalpel.ptx.FloatMath.d;
import static io.scalpel.ptx.FloatMath.f;

/**
 * Runs the blocks of one launch, one block at a time, with CUDA's independent thread progress: each thread
 * runs until it exits or reaches a synchronising instruction ({@code bar.sync}, {@code shfl.sync},
 * {@code vote.sync}, {@code wmma.mma.sync}); then the scheduler resolves every warp operation whose member
 * mask has fully arrived and, once all live threads of the block wait at {@code bar.sync}, releases the
 * barrier. A state where neither can happen is a deadlock and fails the launch.
 *
 * <p>Register files are reused from block to block (one {@code long[]} per thread, initialised from the
 * kernel's template), so a launch allocates per thread once.
 */
final class BlockExecution {

    private static final byte READY = 0, AT_BARRIER = 1, AT_WARP_OP = 2, EXITED = 3;

    private final KernelCode k;
    private final Instruction[] code;
    private final DeviceMemory memory;
    private final byte[] params;
    private final Sanitizers sanitizers;
    private final int bdx, bdy, bdz, gdx, gdy, gdz;
    private final int threads, warps;
    private final long[][] regs;
    private final int[] pc;
    private final byte[] state;
    private final byte[] shared;
    private int bx, by, bz;
    private DeviceMemory.Allocation lastAllocation;
    private long executed;

    // racecheck: per shared byte, last writer / reader (thread + 1; -1 = several readers), and when.
    private final int[] writer, writeEpoch, writeWarpEpoch, reader, readEpoch, readWarpEpoch;
    private int blockEpoch;
    private final int[] warpEpoch;

    BlockExecution(KernelCode k, DeviceMemory memory, byte[] params, Sanitizers sanitizers,
                   int gdx, int gdy, int gdz, int bdx, int bdy, int bdz, int dynamicShared) {
        this.k = k;
        this.code = k.code();
        this.memory = memory;
        this.params = params;
        this.sanitizers = sanitizers;
        this.gdx = gdx; this.gdy = gdy; this.gdz = gdz;
        this.bdx = bdx; this.bdy = bdy; this.bdz = bdz;
        this.threads = bdx * bdy * bdz;
        this.warps = (threads + 31) / 32;
        this.regs = new long[threads][];
        for (int t = 0; t < threads; t++) regs[t] = new long[k.slots()];
        this.pc = new int[threads];
        this.state = new byte[threads];
        int sharedBytes = k.usesDynamicShared()
                ? (k.staticSharedBytes() + k.dynamicSharedAlign() - 1) / k.dynamicSharedAlign() * k.dynamicSharedAlign() + dynamicShared
                : k.staticSharedBytes();
        this.shared = new byte[sharedBytes];
        this.warpEpoch = new int[warps];
        if (sanitizers.racecheck()) {
            writer = new int[sharedBytes]; writeEpoch = new int[sharedBytes]; writeWarpEpoch = new int[sharedBytes];
            reader = new int[sharedBytes]; readEpoch = new int[sharedBytes]; readWarpEpoch = new int[sharedBytes];
        } else {
            writer = writeEpoch = writeWarpEpoch = reader = readEpoch = readWarpEpoch = null;
        }
    }

    long executed() { return executed; }

    /** Runs block (x, y, z) to completion. */
    void run(int x, int y, int z) {
        bx = x; by = y; bz = z;
        Arrays.fill(shared, (byte) 0);
        Arrays.fill(state, READY);
        Arrays.fill(pc, 0);
        blockEpoch = 1;
        Arrays.fill(warpEpoch, 0);
        if (writer != null) { Arrays.fill(writer, 0); Arrays.fill(reader, 0); Arrays.fill(writeEpoch, 0); Arrays.fill(readEpoch, 0); }
        long[] template = k.template();
        for (int t = 0; t < threads; t++) {
            long[] r = regs[t];
            System.arraycopy(template, 0, r, 0, template.length);
            r[KernelCode.TID] = t % bdx;
            r[KernelCode.TID + 1] = (t / bdx) % bdy;
            r[KernelCode.TID + 2] = t / (bdx * bdy);
            r[KernelCode.NTID] = bdx; r[KernelCode.NTID + 1] = bdy; r[KernelCode.NTID + 2] = bdz;
            r[KernelCode.CTAID] = x; r[KernelCode.CTAID + 1] = y; r[KernelCode.CTAID + 2] = z;
            r[KernelCode.NCTAID] = gdx; r[KernelCode.NCTAID + 1] = gdy; r[KernelCode.NCTAID + 2] = gdz;
            r[KernelCode.LANEID] = t & 31;
            r[KernelCode.WARPID] = t >>> 5;
            r[KernelCode.ZERO] = 0;
        }
        int exited = 0;
        while (true) {
            for (int t = 0; t < threads; t++) {
                if (state[t] == READY) {
                    state[t] = step(t);
                    if (state[t] == EXITED) exited++;
                }
            }
            if (exited == threads) return;
            if (resolveWarpOps()) continue;
            if (releaseBarrier(threads - exited)) continue;
            throw deadlock();
        }
    }

    private boolean releaseBarrier(int live) {
        int waiting = 0;
        for (int t = 0; t < threads; t++) if (state[t] == AT_BARRIER) waiting++;
        if (waiting == 0 || waiting != live) return false;
        for (int t = 0; t < threads; t++) {
            if (state[t] == AT_BARRIER) { state[t] = READY; pc[t]++; }
        }
        blockEpoch++;
        return true;
    }

    private KernelFault deadlock() {
        StringBuilder s = new StringBuilder();
        for (int t = 0; t < threads && s.length() < 400; t++) {
            if (state[t] == AT_BARRIER || state[t] == AT_WARP_OP) {
                Instruction in = code[pc[t]];
                s.append(" thread ").append(thread(t)).append(" waits at line ").append(in.line).append(" (").append(in.opcode).append(");");
            }
        }
        return new KernelFault(KernelFault.Kind.SYNC, where() + ": deadlock, no thread can proceed:" + s);
    }

    // ---- warp operations ---------------------------------------------------------------------------------------

    private boolean resolveWarpOps() {
        boolean any = false;
        for (int w = 0; w < warps; w++) {
            int first = w * 32, lanes = Math.min(32, threads - first);
            int present = lanes == 32 ? -1 : (1 << lanes) - 1;
            for (int lane = 0; lane < lanes; lane++) {
                int t = first + lane;
                if (state[t] != AT_WARP_OP) continue;
                Instruction in = code[pc[t]];
                int mask = (in.op == Op.WMMA_MMA ? -1 : (int) regs[t][in.e]) & present;
                if ((mask & (1 << lane)) == 0) {
                    throw fault(KernelFault.Kind.SYNC, in, t, "member mask 0x" + Integer.toHexString(mask) + " does not include the executing lane");
                }
                boolean ready = true;
                for (int l = 0; l < lanes; l++) {
                    if ((mask & (1 << l)) == 0) continue;
                    byte s = state[first + l];
                    if (s == EXITED) {
                        throw fault(KernelFault.Kind.SYNC, in, t, "member mask 0x" + Integer.toHexString(mask) + " names lane " + l + ", which has exited");
                    }
                    if (s != AT_WARP_OP) { ready = false; break; }
                    Instruction other = code[pc[first + l]];
                    if (other != in) {
                        throw fault(KernelFault.Kind.SYNC, in, t, "lane " + l + " of the member mask waits at a different warp operation (line " + other.line + ")");
                    }
                    if (in.op != Op.WMMA_MMA && (int) regs[first + l][in.e] != (int) regs[t][in.e]) {
                        throw fault(KernelFault.Kind.SYNC, in, t, "lane " + l + " uses another member mask");
                    }
                }
                if (!ready) continue;
                if (in.op == Op.WMMA_MMA && lanes != 32) throw fault(KernelFault.Kind.SYNC, in, t, "wmma.mma needs a full warp");
                switch (in.op) {
                    case SHFL -> shuffle(in, first, lanes, mask);
                    case VOTE -> vote(in, first, lanes, mask);
                    default -> mma(in, first);
                }
                for (int l = 0; l < lanes; l++) {
                    if ((mask & (1 << l)) != 0) { state[first + l] = READY; pc[first + l]++; }
                }
                warpEpoch[w]++;
                executed += Integer.bitCount(mask);
                any = true;
            }
        }
        return any;
    }

    private void shuffle(Instruction in, int first, int lanes, int mask) {
        int[] values = new int[32];
        boolean[] valid = new boolean[32];
        for (int lane = 0; lane < lanes; lane++) {
            if ((mask & (1 << lane)) == 0) continue;
            long[] r = regs[first + lane];
            int b = (int) r[in.b] & 31, c = (int) r[in.c];
            int clamp = c & 31, segmask = (c >>> 8) & 31;
            int maxLane = (lane & segmask) | (clamp & ~segmask), minLane = lane & segmask;
            int j;
            boolean p;
            switch (in.mode) {
                case InstructionDecoder.SHFL_UP -> { j = lane - b; p = j >= maxLane; }
                case InstructionDecoder.SHFL_DOWN -> { j = lane + b; p = j <= maxLane; }
                case InstructionDecoder.SHFL_BFLY -> { j = lane ^ b; p = j <= maxLane; }
                default -> { j = minLane | (b & ~segmask); p = j <= maxLane; }
            }
            if (!p || j >= lanes || (mask & (1 << j)) == 0) j = lane;
            values[lane] = (int) regs[first + j][in.a];
            valid[lane] = p;
        }
        for (int lane = 0; lane < lanes; lane++) {
            if ((mask & (1 << lane)) == 0) continue;
            long[] r = regs[first + lane];
            r[in.d] = values[lane] & 0xFFFF_FFFFL;
            if (in.d2 >= 0) r[in.d2] = valid[lane] ? 1 : 0;
        }
    }

    private void vote(Instruction in, int first, int lanes, int mask) {
        int ballot = 0;
        for (int lane = 0; lane < lanes; lane++) {
            if ((mask & (1 << lane)) == 0) continue;
            boolean p = (regs[first + lane][in.a] != 0) != in.aNegated;
            if (p) ballot |= 1 << lane;
        }
        for (int lane = 0; lane < lanes; lane++) {
            if ((mask & (1 << lane)) == 0) continue;
            long v = switch (in.mode) {
                case InstructionDecoder.VOTE_BALLOT -> ballot & 0xFFFF_FFFFL;
                case InstructionDecoder.VOTE_ANY -> ballot != 0 ? 1 : 0;
                default -> ballot == mask ? 1 : 0;
            };
            regs[first + lane][in.d] = v;
        }
    }

    /** D = A·B + C over the whole warp's fragments (fp32 products and sums, k in order). */
    private void mma(Instruction in, int first) {
        float[][] a = new float[16][16], b = new float[16][16], c = new float[16][16];
        for (int lane = 0; lane < 32; lane++) {
            long[] r = regs[first + lane];
            for (int i = 0; i < WmmaFragments.ELEMENTS_PER_LANE; i++) {
                a[WmmaFragments.row(InstructionDecoder.MATRIX_A, lane, i)][WmmaFragments.col(InstructionDecoder.MATRIX_A, lane, i)] = half(in.from, r[in.av[i >>> 1]] >>> ((i & 1) * 16));
                b[WmmaFragments.row(InstructionDecoder.MATRIX_B, lane, i)][WmmaFragments.col(InstructionDecoder.MATRIX_B, lane, i)] = half(in.from, r[in.bv[i >>> 1]] >>> ((i & 1) * 16));
                c[WmmaFragments.row(InstructionDecoder.MATRIX_C, lane, i)][WmmaFragments.col(InstructionDecoder.MATRIX_C, lane, i)] = f(r[in.cv[i]]);
            }
        }
        float[][] out = new float[16][16];
        for (int m = 0; m < 16; m++) {
            for (int n = 0; n < 16; n++) {
                float acc = c[m][n];
                for (int kk = 0; kk < 16; kk++) acc = Math.fma(a[m][kk], b[kk][n], acc);
                out[m][n] = acc;
            }
        }
        for (int lane = 0; lane < 32; lane++) {
            long[] r = regs[first + lane];
            for (int i = 0; i < WmmaFragments.ELEMENTS_PER_LANE; i++) {
                r[in.dv[i]] = bits(out[WmmaFragments.row(InstructionDecoder.MATRIX_D, lane, i)][WmmaFragments.col(InstructionDecoder.MATRIX_D, lane, i)]);
            }
        }
    }

    private static float half(ScalarType type, long raw) {
        return type == ScalarType.F16 ? FloatMath.fromHalf(raw) : FloatMath.fromBfloat16(raw);
    }

    // ---- one thread ---------------------------------------------------------------------------------------------

    /** Runs thread t from its pc until it exits or must wait; returns its new state. */
    private byte step(int t) {
        final long[] r = regs[t];
        final Instruction[] code = this.code;
        int p = pc[t];
        long n = 0;
        try {
            while (true) {
                final Instruction in = code[p];
                n++;
                if (in.guard >= 0 && (r[in.guard] != 0) == in.guardNegated) { p++; continue; }
                switch (in.op) {
                    case MOV -> r[in.d] = in.type.normalize(r[in.a]);
                    case PACK -> {
                        int w = in.type.bits / in.av.length;
                        long mask = w == 64 ? -1L : (1L << w) - 1, v = 0;
                        for (int i = 0; i < in.av.length; i++) v |= (r[in.av[i]] & mask) << (i * w);
                        r[in.d] = v;
                    }
                    case UNPACK -> {
                        int w = in.type.bits / in.dv.length;
                        long mask = (1L << w) - 1, v = r[in.a];
                        for (int i = 0; i < in.dv.length; i++) r[in.dv[i]] = (v >>> (i * w)) & mask;
                    }
                    case ADD -> r[in.d] = in.type.normalize(r[in.a] + r[in.b]);
                    case SUB -> r[in.d] = in.type.normalize(r[in.a] - r[in.b]);
                    case MUL_LO -> r[in.d] = in.type.normalize(r[in.a] * r[in.b]);
                    case MAD_LO -> r[in.d] = in.type.normalize(r[in.a] * r[in.b] + r[in.c]);
                    case MUL_WIDE -> {
                        long x = in.type.normalize(r[in.a]), y = in.type.normalize(r[in.b]);
                        r[in.d] = in.type.bits == 32 ? x * y : (in.type.signed ? (int) (x * y) : (x * y) & 0xFFFF_FFFFL);
                    }
                    case MUL_HI -> r[in.d] = mulHi(in.type, r[in.a], r[in.b]);
                    case DIV, REM -> r[in.d] = divRem(in, r[in.a], r[in.b]);
                    case MIN, MAX -> {
                        long x = in.type.normalize(r[in.a]), y = in.type.normalize(r[in.b]);
                        int cmp = in.type.bits == 64 && !in.type.signed ? Long.compareUnsigned(x, y) : Long.compare(x, y);
                        r[in.d] = (in.op == Op.MIN) == (cmp <= 0) ? x : y;
                    }
                    case NEG -> r[in.d] = in.type.normalize(-in.type.normalize(r[in.a]));
                    case ABS -> r[in.d] = in.type.normalize(Math.abs(in.type.normalize(r[in.a])));
                    case AND -> r[in.d] = in.type.normalize(r[in.a] & r[in.b]);
                    case OR -> r[in.d] = in.type.normalize(r[in.a] | r[in.b]);
                    case XOR -> r[in.d] = in.type.normalize(r[in.a] ^ r[in.b]);
                    case NOT -> r[in.d] = in.type.normalize(~r[in.a]);
                    case SHL -> {
                        long s = r[in.b] & 0xFFFF_FFFFL;
                        r[in.d] = s >= in.type.bits ? 0 : in.type.normalize(r[in.a] << s);
                    }
                    case SHR -> {
                        long s = r[in.b] & 0xFFFF_FFFFL, x = in.type.normalize(r[in.a]);
                        if (in.type.signed) r[in.d] = in.type.normalize(x >> Math.min(s, 63));
                        else r[in.d] = s >= in.type.bits ? 0 : x >>> s;
                    }
                    case POPC -> r[in.d] = Long.bitCount(in.type.normalize(r[in.a]));
                    case CLZ -> r[in.d] = in.type.bits == 32 ? Integer.numberOfLeadingZeros((int) r[in.a]) : Long.numberOfLeadingZeros(r[in.a]);
                    case BREV -> r[in.d] = in.type.bits == 32 ? Integer.reverse((int) r[in.a]) & 0xFFFF_FFFFL : Long.reverse(r[in.a]);
                    case BFIND -> r[in.d] = bfind(in, r[in.a]);
                    case BFI -> r[in.d] = bfi(in.type.bits, r[in.a], r[in.b], r[in.c], r[in.e]);
                    case PRMT -> r[in.d] = prmt(r[in.a], r[in.b], r[in.c]);
                    case FADD, FSUB, FMUL, FMA, FDIV, FMIN, FMAX, FNEG, FABS -> r[in.d] = floatOp(in, r);
                    case RCP, SQRT, RSQRT, EX2, LG2 -> r[in.d] = unaryFloat(in, r[in.a]);
                    case SETP -> r[in.d] = compare(in, r[in.a], r[in.b]) ? 1 : 0;
                    case SELP -> r[in.d] = r[in.c] != 0 ? r[in.a] : r[in.b];
                    case CVT -> r[in.d] = Conversions.convert(in, r[in.a]);
                    case CVTA_TO_GLOBAL -> r[in.d] = r[in.a];
                    case CVTA_SHARED -> r[in.d] = DeviceMemory.SHARED_WINDOW + (r[in.a] & 0xFFFF_FFFFL);
                    case CVTA_TO_SHARED -> r[in.d] = r[in.a] - DeviceMemory.SHARED_WINDOW;
                    case LD_PARAM -> r[in.d] = in.type.normalize(DeviceMemory.load(params, (int) in.offset, in.type.bytes()));
                    case LD -> {
                        long address = r[in.base] + in.offset;
                        int size = in.type.bytes();
                        if (in.dv == null) r[in.d] = in.type.normalize(read(in, t, address, size, size));
                        else {
                            if ((address & (size * in.dv.length - 1)) != 0) throw misaligned(in, t, address, size * in.dv.length);
                            for (int i = 0; i < in.dv.length; i++) r[in.dv[i]] = in.type.normalize(read(in, t, address + (long) i * size, size, size));
                        }
                    }
                    case ST -> {
                        long address = r[in.base] + in.offset;
                        int size = in.type.bytes();
                        if (in.av == null) write(in, t, address, size, size, r[in.a]);
                        else {
                            if ((address & (size * in.av.length - 1)) != 0) throw misaligned(in, t, address, size * in.av.length);
                            for (int i = 0; i < in.av.length; i++) write(in, t, address + (long) i * size, size, size, r[in.av[i]]);
                        }
                    }
                    case ATOM -> r[in.d] = atomic(in, t, r);
                    case WMMA_LOAD -> wmmaLoad(in, t, r);
                    case WMMA_STORE -> wmmaStore(in, t, r);
                    case BAR -> { pc[t] = p; return AT_BARRIER; }
                    case SHFL, VOTE, WMMA_MMA -> { pc[t] = p; return AT_WARP_OP; }
                    case BRA -> { p = in.target; continue; }
                    case RET -> { pc[t] = p; return EXITED; }
                }
                p++;
            }
        } finally {
            executed += n;
        }
    }

    private static long mulHi(ScalarType type, long a, long b) {
        long x = type.normalize(a), y = type.normalize(b);
        if (type.bits == 64) return type.signed ? Math.multiplyHigh(x, y) : Math.unsignedMultiplyHigh(x, y);
        return type.normalize((x * y) >> type.bits);
    }

    private static long divRem(Instruction in, long a, long b) {
        ScalarType t = in.type;
        long x = t.normalize(a), y = t.normalize(b);
        if (y == 0) return in.op == Op.DIV ? t.normalize(-1L) : x; // PTX leaves it undefined; hardware gives all ones
        if (t.bits == 64 && !t.signed) return in.op == Op.DIV ? Long.divideUnsigned(x, y) : Long.remainderUnsigned(x, y);
        return t.normalize(in.op == Op.DIV ? x / y : x % y);
    }

    /** PTX bfi: pos and len are taken mod 256; bits past the register's width are dropped. */
    static long bfi(int width, long a, long b, long posReg, long lenReg) {
        int pos = (int) (posReg & 0xFF), len = (int) (lenReg & 0xFF);
        long widthMask = width == 64 ? -1L : (1L << width) - 1;
        if (len == 0 || pos >= width) return b & widthMask;
        long fieldMask = (len >= 64 ? -1L : (1L << len) - 1) << pos;
        return ((b & ~fieldMask) | ((a << pos) & fieldMask)) & widthMask;
    }

    /** PTX prmt (generic mode): each result byte i is byte (c >> 4i) & 7 of {b:a}, sign-replicated when bit 3 of that nibble is set. */
    static long prmt(long a, long b, long c) {
        long bytes = (a & 0xFFFF_FFFFL) | ((b & 0xFFFF_FFFFL) << 32);
        long out = 0;
        for (int i = 0; i < 4; i++) {
            int sel = (int) (c >>> (4 * i)) & 0xF;
            long v = (bytes >>> (8 * (sel & 7))) & 0xFF;
            if ((sel & 8) != 0) v = (v & 0x80) != 0 ? 0xFF : 0;
            out |= v << (8 * i);
        }
        return out;
    }

    private static long bfind(Instruction in, long a) {
        long x = in.type.normalize(a);
        int bits = in.type.bits;
        if (in.type.signed && x < 0) x = ~x;
        long masked = bits == 64 ? x : x & 0xFFFF_FFFFL;
        if (masked == 0) return 0xFFFF_FFFFL;
        int pos = 63 - Long.numberOfLeadingZeros(masked);
        return in.sat ? bits - 1 - pos : pos;
    }

    private static long floatOp(Instruction in, long[] r) {
        if (in.type == ScalarType.F64) {
            double x = d(r[in.a]), y = in.b >= 0 ? d(r[in.b]) : 0;
            double v = switch (in.op) {
                case FADD -> FloatMath.add(x, y, in.mode);
                case FSUB -> FloatMath.add(x, -y, in.mode);
                case FMUL -> FloatMath.mul(x, y, in.mode);
                case FMA -> FloatMath.fma(x, y, d(r[in.c]), in.mode);
                case FDIV -> FloatMath.div(x, y, in.mode);
                case FMIN -> FloatMath.min(x, y);
                case FMAX -> FloatMath.max(x, y);
                case FNEG -> -x;
                default -> Math.abs(x);
            };
            return bits(in.sat ? FloatMath.sat(v) : v);
        }
        float x = f(r[in.a]), y = in.b >= 0 ? f(r[in.b]) : 0;
        if (in.ftz) { x = FloatMath.ftz(x); y = FloatMath.ftz(y); }
        float v = switch (in.op) {
            case FADD -> FloatMath.add(x, y, in.mode);
            case FSUB -> FloatMath.add(x, -y, in.mode);
            case FMUL -> FloatMath.mul(x, y, in.mode);
            case FMA -> FloatMath.fma(x, y, in.ftz ? FloatMath.ftz(f(r[in.c])) : f(r[in.c]), in.mode);
            case FDIV -> in.integerRounding ? (float) ((double) x / y) : FloatMath.div(x, y, in.mode);
            case FMIN -> FloatMath.min(x, y);
            case FMAX -> FloatMath.max(x, y);
            case FNEG -> -x;
            default -> Math.abs(x);
        };
        if (in.ftz) v = FloatMath.ftz(v);
        if (in.sat) v = FloatMath.sat(v);
        return bits(v);
    }

    static long unaryFloat(Instruction in, long raw) {
        if (in.type == ScalarType.F64) {
            double x = d(raw);
            double v = switch (in.op) {
                case RCP -> FloatMath.div(1.0, x, in.mode);
                case SQRT -> Math.sqrt(x);
                default -> 1.0 / Math.sqrt(x);
            };
            return bits(v);
        }
        float x = f(raw);
        if (in.ftz) x = FloatMath.ftz(x);
        float v = switch (in.op) {
            case RCP -> in.integerRounding ? (float) (1.0 / x) : FloatMath.div(1f, x, in.mode);
            case SQRT -> in.integerRounding ? (float) Math.sqrt(x) : FloatMath.sqrt(x, in.mode);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case EX2 -> (float) Math.pow(2.0, x);
            default -> (float) (Math.log(x) / Math.log(2.0));
        };
        if (in.ftz) v = FloatMath.ftz(v);
        return bits(v);
    }

    private static boolean compare(Instruction in, long a, long b) {
        ScalarType t = in.type;
        if (t.floating) {
            double x, y;
            if (t == ScalarType.F32) {
                float fx = f(a), fy = f(b);
                if (in.ftz) { fx = FloatMath.ftz(fx); fy = FloatMath.ftz(fy); }
                x = fx; y = fy;
            } else { x = d(a); y = d(b); }
            boolean nan = Double.isNaN(x) || Double.isNaN(y);
            return switch (in.mode) {
                case Compare.EQ -> !nan && x == y; case Compare.NE -> !nan && x != y;
                case Compare.LT -> !nan && x < y; case Compare.LE -> !nan && x <= y;
                case Compare.GT -> !nan && x > y; case Compare.GE -> !nan && x >= y;
                case Compare.EQU -> nan || x == y; case Compare.NEU -> nan || x != y;
                case Compare.LTU -> nan || x < y; case Compare.LEU -> nan || x <= y;
                case Compare.GTU -> nan || x > y; case Compare.GEU -> nan || x >= y;
                case Compare.NUM -> !nan;
                default -> nan;
            };
        }
        long x = t.normalize(a), y = t.normalize(b);
        int c = t.bits == 64 && !t.signed ? Long.compareUnsigned(x, y) : Long.compare(x, y);
        return switch (in.mode) {
            case Compare.EQ -> c == 0; case Compare.NE -> c != 0;
            case Compare.LT -> c < 0; case Compare.LE -> c <= 0;
            case Compare.GT -> c > 0; default -> c >= 0;
        };
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    private long read(Instruction in, int t, long address, int size, int alignment) {
        if ((address & (alignment - 1)) != 0) throw misaligned(in, t, address, alignment);
        int sharedOffset = sharedOffset(in.space, address, in, t, size, "read");
        if (sharedOffset >= 0) {
            if (writer != null && in.op != Op.ATOM) raceRead(in, t, sharedOffset, size);
            return DeviceMemory.load(shared, sharedOffset, size);
        }
        DeviceMemory.Allocation a = global(in, t, address, size, "read");
        int off = (int) (address - a.base);
        if (sanitizers.initcheck()) {
            int u = a.firstUnwritten(off, size);
            if (u >= 0) throw fault(KernelFault.Kind.INITCHECK, in, t, String.format("read of %d bytes at 0x%x: byte 0x%x was never written", size, address, a.base + u));
        }
        return DeviceMemory.load(a.bytes, off, size);
    }

    private void write(Instruction in, int t, long address, int size, int alignment, long value) {
        if ((address & (alignment - 1)) != 0) throw misaligned(in, t, address, alignment);
        int sharedOffset = sharedOffset(in.space, address, in, t, size, "write");
        if (sharedOffset >= 0) {
            if (writer != null && in.op != Op.ATOM) raceWrite(in, t, sharedOffset, size);
            DeviceMemory.store(shared, sharedOffset, size, value);
            return;
        }
        DeviceMemory.Allocation a = global(in, t, address, size, "write");
        int off = (int) (address - a.base);
        DeviceMemory.store(a.bytes, off, size, value);
        a.markWritten(off, size);
    }

    /** The shared-memory offset an access refers to, or -1 when it is a global access. */
    private int sharedOffset(StateSpace space, long address, Instruction in, int t, int size, String what) {
        long off;
        if (space == StateSpace.SHARED) {
            off = address;
        } else if (space == StateSpace.GENERIC && address >= DeviceMemory.SHARED_WINDOW && address < DeviceMemory.SHARED_WINDOW + (1L << 32)) {
            off = address - DeviceMemory.SHARED_WINDOW;
        } else {
            return -1;
        }
        if (off < 0 || off + size > shared.length) {
            throw fault(KernelFault.Kind.MEMCHECK, in, t, String.format("shared %s of %d bytes at offset 0x%x is outside the block's %d bytes of shared memory", what, size, off, shared.length));
        }
        return (int) off;
    }

    private DeviceMemory.Allocation global(Instruction in, int t, long address, int size, String what) {
        DeviceMemory.Allocation a = lastAllocation;
        if (a != null && address >= a.base && address + size <= a.end()) return a; // nothing is freed during a launch
        a = memory.find(address, size);
        if (a == null) throw fault(KernelFault.Kind.MEMCHECK, in, t, String.format("global %s of %d bytes at 0x%x is outside every allocation", what, size, address));
        lastAllocation = a;
        return a;
    }

    private KernelFault misaligned(Instruction in, int t, long address, int alignment) {
        return fault(KernelFault.Kind.MISALIGNED, in, t, String.format("misaligned address 0x%x (needs %d-byte alignment)", address, alignment));
    }

    private boolean ordered(int prevThread, int prevEpoch, int prevWarpEpoch, int t) {
        if (prevThread == 0 || prevThread == t + 1 || prevEpoch != blockEpoch) return true;
        return prevThread > 0 && (prevThread - 1) >>> 5 == t >>> 5 && prevWarpEpoch != warpEpoch[t >>> 5];
    }

    private void raceRead(Instruction in, int t, int off, int size) {
        for (int i = off; i < off + size; i++) {
            if (!ordered(writer[i], writeEpoch[i], writeWarpEpoch[i], t)) {
                throw fault(KernelFault.Kind.RACECHECK, in, t, String.format("read of shared offset 0x%x races with a write by thread %s since the last barrier", i, thread(writer[i] - 1)));
            }
            if (readEpoch[i] != blockEpoch || reader[i] == 0) { reader[i] = t + 1; readEpoch[i] = blockEpoch; readWarpEpoch[i] = warpEpoch[t >>> 5]; }
            else if (reader[i] != t + 1) reader[i] = -1;
        }
    }

    private void raceWrite(Instruction in, int t, int off, int size) {
        for (int i = off; i < off + size; i++) {
            if (!ordered(writer[i], writeEpoch[i], writeWarpEpoch[i], t)) {
                throw fault(KernelFault.Kind.RACECHECK, in, t, String.format("write of shared offset 0x%x races with a write by thread %s since the last barrier", i, thread(writer[i] - 1)));
            }
            if (reader[i] == -1 && readEpoch[i] == blockEpoch) {
                throw fault(KernelFault.Kind.RACECHECK, in, t, String.format("write of shared offset 0x%x races with reads by several threads since the last barrier", i));
            }
            if (!ordered(reader[i], readEpoch[i], readWarpEpoch[i], t)) {
                throw fault(KernelFault.Kind.RACECHECK, in, t, String.format("write of shared offset 0x%x races with a read by thread %s since the last barrier", i, thread(reader[i] - 1)));
            }
            writer[i] = t + 1; writeEpoch[i] = blockEpoch; writeWarpEpoch[i] = warpEpoch[t >>> 5];
        }
    }

    private long atomic(Instruction in, int t, long[] r) {
        long address = r[in.base] + in.offset;
        int size = in.type.bytes();
        long old = in.type.normalize(read(in, t, address, size, size));
        long v = in.type.normalize(r[in.b]);
        ScalarType ty = in.type;
        long result = switch (in.mode) {
            case InstructionDecoder.ATOM_ADD -> ty == ScalarType.F32 ? bits(f(old) + f(v)) : old + v;
            case InstructionDecoder.ATOM_MIN -> (ty.bits == 64 && !ty.signed ? Long.compareUnsigned(old, v) : Long.compare(old, v)) <= 0 ? old : v;
            case InstructionDecoder.ATOM_MAX -> (ty.bits == 64 && !ty.signed ? Long.compareUnsigned(old, v) : Long.compare(old, v)) >= 0 ? old : v;
            case InstructionDecoder.ATOM_EXCH -> v;
            case InstructionDecoder.ATOM_CAS -> old == v ? r[in.c] : old;
            case InstructionDecoder.ATOM_AND -> old & v;
            case InstructionDecoder.ATOM_OR -> old | v;
            default -> old ^ v;
        };
        write(in, t, address, size, size, result);
        return old;
    }

    private void wmmaLoad(Instruction in, int t, long[] r) {
        int matrix = in.mode >>> 1;
        boolean colMajor = (in.mode & 1) != 0;
        long base = r[in.base] + in.offset, ldm = r[in.b] & 0xFFFF_FFFFL;
        int lane = t & 31, size = in.type.bytes();
        long[] words = new long[in.dv.length];
        for (int i = 0; i < WmmaFragments.ELEMENTS_PER_LANE; i++) {
            int row = WmmaFragments.row(matrix, lane, i), col = WmmaFragments.col(matrix, lane, i);
            long address = base + (colMajor ? (long) col * ldm + row : (long) row * ldm + col) * size;
            long v = read(in, t, address, size, size);
            if (size == 4) words[i] = v;
            else words[i >>> 1] |= v << ((i & 1) * 16);
        }
        if (size == 2 && in.dv.length == 8) System.arraycopy(words, 0, words, 4, 4);
        for (int i = 0; i < in.dv.length; i++) r[in.dv[i]] = words[i];
    }

    private void wmmaStore(Instruction in, int t, long[] r) {
        boolean colMajor = (in.mode & 1) != 0;
        long base = r[in.base] + in.offset, ldm = r[in.b] & 0xFFFF_FFFFL;
        int lane = t & 31;
        for (int i = 0; i < WmmaFragments.ELEMENTS_PER_LANE; i++) {
            int row = WmmaFragments.row(InstructionDecoder.MATRIX_D, lane, i), col = WmmaFragments.col(InstructionDecoder.MATRIX_D, lane, i);
            long address = base + (colMajor ? (long) col * ldm + row : (long) row * ldm + col) * 4;
            write(in, t, address, 4, 4, r[in.av[i]]);
        }
    }

    // ---- reporting ----------------------------------------------------------------------------------------------

    private KernelFault fault(KernelFault.Kind kind, Instruction in, int t, String what) {
        return new KernelFault(kind, where() + " thread " + thread(t) + ", " + k.module() + " line " + in.line + " (" + in.opcode + "): " + what);
    }

    private String where() {
        return "kernel " + k.name() + " block (" + bx + "," + by + "," + bz + ")";
    }

    private String thread(int t) {
        return "(" + (t % bdx) + "," + ((t / bdx) % bdy) + "," + (t / (bdx * bdy)) + ")";
    }
}
