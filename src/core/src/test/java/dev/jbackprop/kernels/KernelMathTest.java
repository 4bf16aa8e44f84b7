package dev.jbackprop.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.backend.UpdateFormulas;
import dev.jbackprop.backend.cpu.CpuMath;
import dev.jbackprop.diag.Bf16;
import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels' elementwise maths (kernels/elementwise.cuh) against the CPU's (CpuMath), without a
 * GPU: nvcc compiles kernels/test/elementwise_host.cu for the host with the kernels' flags
 * (-fmad=false), the program evaluates every function on a grid of inputs (0, ±0, ±tiny, denormals,
 * ±1, ±large, ±max, NaN, ±inf) and prints the exact bits, and each result is compared with CpuMath:
 * bit-exact for float arithmetic (the optimiser steps, square roots and quotients included, against their
 * formulas), within 1 ulp where a libm function (exp, tanh, expm1, log1p) is involved, NaN matching NaN.
 */
class KernelMathTest {
    @TempDir
    static Path dir;

    static Path program;

    static final int[] ELEMENTWISE = {
        CpuMath.SIGMOID, CpuMath.TANH, CpuMath.RELU, CpuMath.LEAKY_RELU, CpuMath.ELU, CpuMath.IDENTITY
    };
    static final float[] Z = {
        0f,
        -0f,
        1e-30f,
        -1e-30f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        1e-40f,
        -1e-40f,
        Float.MIN_NORMAL,
        -Float.MIN_NORMAL,
        1e-7f,
        -1e-7f,
        0.1f,
        0.5f,
        -0.5f,
        1f,
        -1f,
        2.5f,
        -3.7f,
        8.7f,
        -8.7f,
        15f,
        -15f,
        17.3f,
        -17.3f,
        20f,
        -20f,
        40f,
        -40f,
        88f,
        -88f,
        89f,
        -104f,
        100f,
        -100f,
        1e30f,
        -1e30f,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        Float.NaN,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY
    };
    static final float[] ALPHA = {0.01f, 1f, 0.2f, 2.5f};
    static final float[] Y = {0f, 1f, 0.5f, 0.3f, -2f, 1e30f, Float.NaN, Float.POSITIVE_INFINITY};
    static final float[] A = {0f, 1f, 0.5f, -1f, 0.25f, 1e-30f, 2f, 0.999999f, Float.NaN, Float.POSITIVE_INFINITY};
    static final float[] P = {0f, 1f, -1f, 0.5f, 1e-30f, 3.3f, -7.1f, 1e30f, Float.NaN, Float.POSITIVE_INFINITY};
    static final float[] RATE = {0.1f, 1e-3f / 7f};
    static final float[] DECAY = {1f, 1f - 0.1f * 5f / 60000f};
    static final float[] MU = {0.9f, 0.5f};

    @BeforeAll
    static void compile() throws Exception {
        Optional<Path> nvcc = Nvcc.find();
        assumeTrue(nvcc.isPresent(), Nvcc.ABSENT);
        Path project = Nvcc.projectDir();
        program = dir.resolve("elementwise_host");
        Nvcc.Result r = Nvcc.run(
                List.of(
                        nvcc.get().toString(),
                        "-O3",
                        "-fmad=false",
                        "-Xcompiler",
                        "-ffp-contract=off",
                        "-std=c++17",
                        "-I",
                        project.resolve("kernels").toString(),
                        project.resolve("kernels/test/elementwise_host.cu").toString(),
                        "-o",
                        program.toString()),
                null,
                null,
                600);
        assertEquals(0, r.exit(), "nvcc failed to build the host test program:\n" + r.output());
    }

    /** One evaluation: the line sent to the program, what it means, the expected bits and the tolerance. */
    record Case(String line, String what, long expected, boolean isDouble, int ulps) {}

    private final List<Case> cases = new ArrayList<>();

    private static String h(float x) {
        return Integer.toHexString(Float.floatToRawIntBits(x));
    }

    private void f(String what, int ulps, float expected, String op, float... args) {
        StringBuilder line = new StringBuilder(op);
        for (float a : args) line.append(' ').append(h(a));
        cases.add(new Case(line.toString(), what, Float.floatToRawIntBits(expected) & 0xffffffffL, false, ulps));
    }

    private void fi(String what, int ulps, float expected, String op, int code, float... args) {
        StringBuilder line = new StringBuilder(op).append(' ').append(Integer.toHexString(code));
        for (float a : args) line.append(' ').append(h(a));
        cases.add(new Case(line.toString(), what, Float.floatToRawIntBits(expected) & 0xffffffffL, false, ulps));
    }

    /** Functions that go through exp / tanh / expm1 / log1p may differ by 1 ulp between libms. */
    private static int libmUlps(int code) {
        return code == CpuMath.SIGMOID || code == CpuMath.TANH || code == CpuMath.ELU ? 1 : 0;
    }

    @Test
    void activations() throws Exception {
        for (int code : ELEMENTWISE) {
            for (float alpha : ALPHA) {
                for (float z : Z) {
                    fi(
                            "activate(" + code + ", α=" + alpha + ", z=" + z + ")",
                            libmUlps(code),
                            CpuMath.activate(code, alpha, z),
                            "A",
                            code,
                            alpha,
                            z);
                }
            }
        }
        check(6 * ALPHA.length * Z.length);
    }

    @Test
    void derivatives() throws Exception {
        for (int code : ELEMENTWISE) {
            for (float alpha : ALPHA) {
                for (float z : Z) {
                    float a = CpuMath.activate(code, alpha, z);
                    fi(
                            "derivative(" + code + ", α=" + alpha + ", z=" + z + ", a=σ(z)=" + a + ")",
                            0,
                            CpuMath.derivative(code, alpha, z, a),
                            "D",
                            code,
                            alpha,
                            z,
                            a);
                    for (float other : A) {
                        fi(
                                "derivative(" + code + ", α=" + alpha + ", z=" + z + ", a=" + other + ")",
                                0,
                                CpuMath.derivative(code, alpha, z, other),
                                "D",
                                code,
                                alpha,
                                z,
                                other);
                    }
                }
            }
        }
        check(6 * ALPHA.length * Z.length * (1 + A.length));
    }

    @Test
    void costs() throws Exception {
        for (float x : Z) f("softplus(" + x + ")", 1, CpuMath.softplus(x), "P", x);
        for (float a : Z) {
            for (float y : Y) {
                f("quadratic(a=" + a + ", y=" + y + ")", 0, CpuMath.quadraticCost(a, y), "Q", a, y);
                // softplus(z) − y·z: a 1-ulp difference in softplus can show as more ulps of a cancelled result
                float bce = CpuMath.binaryCrossEntropyCost(a, y);
                f("binaryCrossEntropy(z=" + a + ", y=" + y + ")", bceUlps(a, y, bce), bce, "B", a, y);
            }
        }
        check(Z.length * (1 + 2 * Y.length));
    }

    /** Ulps of the result that one ulp of softplus(z) is worth. */
    private static int bceUlps(float z, float y, float result) {
        float sp = CpuMath.softplus(z);
        if (!Float.isFinite(sp) || !Float.isFinite(result) || result == 0f) return 1;
        return (int) Math.max(1, Math.min(1 << 20, Math.ceil(Math.ulp(sp) / Math.ulp(result)) + 1));
    }

    @Test
    void outputDelta() throws Exception {
        for (int cost = 0; cost <= 2; cost++) {
            for (int code : ELEMENTWISE) {
                for (float z : Z) {
                    float a = CpuMath.activate(code, 0.01f, z);
                    for (float y : Y) {
                        float d = a - y;
                        float expected = cost == 0 ? d * CpuMath.derivative(code, 0.01f, z, a) : d;
                        StringBuilder line =
                                new StringBuilder("O ").append(cost).append(' ').append(code);
                        for (float v : new float[] {0.01f, z, a, y})
                            line.append(' ').append(h(v));
                        cases.add(new Case(
                                line.toString(),
                                "outputDelta(cost=" + cost + ", act=" + code + ", z=" + z + ", a=" + a + ", y=" + y
                                        + ")",
                                Float.floatToRawIntBits(expected) & 0xffffffffL,
                                false,
                                0));
                    }
                }
            }
        }
        check(3 * 6 * Z.length * Y.length);
    }

    /** Ops.update's formulas, evaluated in float exactly as its javadoc writes them. */
    @Test
    void update() throws Exception {
        int n = 0;
        for (float p : P) {
            for (float g : P) {
                for (float rate : RATE) {
                    f("bias p=" + p + " g=" + g + " rate=" + rate, 0, p - rate * g, "b", p, g, rate);
                    n++;
                    for (float decay : DECAY) {
                        f(
                                "weight p=" + p + " g=" + g + " rate=" + rate + " decay=" + decay,
                                0,
                                decay * p - rate * g,
                                "W",
                                p,
                                g,
                                rate,
                                decay);
                        n++;
                    }
                    for (float mu : MU) {
                        for (float v : P) {
                            f(
                                    "velocity bias v=" + v + " g=" + g + " μ=" + mu + " rate=" + rate,
                                    0,
                                    mu * v - rate * g,
                                    "v",
                                    v,
                                    g,
                                    mu,
                                    rate);
                            n++;
                            for (float decay : DECAY) {
                                f(
                                        "velocity weight v=" + v + " g=" + g + " p=" + p + " μ=" + mu + " rate=" + rate
                                                + " decay=" + decay,
                                        0,
                                        mu * v - rate * g - (1f - decay) * p,
                                        "V",
                                        v,
                                        g,
                                        p,
                                        mu,
                                        rate,
                                        decay);
                                n++;
                            }
                        }
                    }
                }
            }
        }
        check(n);
    }

    /**
     * Ops.optimizerStep's element (jb_optimizer) against its formulas in float (UpdateFormulas, the contract
     * suite's expectation, which the CPU loops meet bit for bit): every rule, weights and biases, sgd with and
     * without a velocity, over the grid of values (NaN and ±inf among them) and the numbers of several steps
     * (t = 1, 2, 1000: Adam's bias corrections; a rate that changed for sgd's momentum). Bit for bit: the kernel's
     * square roots and quotients are IEEE, as Java's are.
     */
    @Test
    void optimizerStep() throws Exception {
        Optimizer[] optimizers = {
            Optimizer.sgd(0.9),
            Optimizer.sgd(0),
            Optimizer.nesterov(0.9, 1e-4),
            Optimizer.adam(0.9, 0.999, 1e-8, 1e-3),
            Optimizer.adamw(0.8, 0.99, 1e-6, 0.01)
        };
        float[] s2s = {0f, 1e-30f, 0.25f, 3.3f, 1e30f, Float.NaN, Float.POSITIVE_INFINITY};
        int n = 0;
        for (Optimizer o : optimizers) {
            for (long t : new long[] {1, 2, 1000}) {
                float[] sc = new float[UpdateScalars.COUNT];
                UpdateScalars.compute(
                        sc, o, 0.05, t == 2 ? 0.1 : 0.05, o.kind() == Optimizer.Kind.SGD ? 5 : 0, 60000, 37, t);
                for (boolean weight : new boolean[] {true, false}) {
                    for (boolean has :
                            o.kind() == Optimizer.Kind.SGD ? new boolean[] {true, false} : new boolean[] {true}) {
                        for (float p : P) {
                            for (float g : P) {
                                for (int k = 0; k < 3; k++) {
                                    float s1 = P[(k * 3 + 1) % P.length], s2 = s2s[(int) ((t + k) % s2s.length)];
                                    float[] want = UpdateFormulas.step(o.kind(), weight, has, p, g, s1, s2, sc);
                                    for (int which = 0; which < 3; which++) {
                                        StringBuilder line = new StringBuilder("U ")
                                                .append(which)
                                                .append(' ')
                                                .append(Integer.toHexString(o.kind().code))
                                                .append(weight ? " 1" : " 0")
                                                .append(has ? " 1" : " 0");
                                        for (float v : new float[] {p, g, s1, s2})
                                            line.append(' ').append(h(v));
                                        for (float v : sc) line.append(' ').append(h(v));
                                        cases.add(new Case(
                                                line.toString(),
                                                o.describe() + " t=" + t + (weight ? " weight" : " bias")
                                                        + (has ? "" : " no state") + " p=" + p + " g=" + g + " s1=" + s1
                                                        + " s2=" + s2 + ": " + new String[] {"p", "s1", "s2"}[which],
                                                Float.floatToRawIntBits(want[which]) & 0xffffffffL,
                                                false,
                                                0));
                                        n++;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        check(n);
    }

    /** Σ y·(lse − z) per output of the softmax cross-entropy, in double; a zero target adds exactly 0. */
    @Test
    void crossEntropyTerm() throws Exception {
        double[] lses = {0.0, 2.5, 100.0, 1e30, Double.POSITIVE_INFINITY, Double.NaN};
        for (float y : new float[] {0f, 1f, 0.3f}) {
            for (float z : Z) {
                for (double lse : lses) {
                    double expected = y == 0f ? 0.0 : (double) y * (lse - (double) z);
                    cases.add(new Case(
                            "C " + h(y) + " " + h(z) + " " + Long.toHexString(Double.doubleToRawLongBits(lse)),
                            "crossEntropyTerm(y=" + y + ", z=" + z + ", lse=" + lse + ")",
                            Double.doubleToRawLongBits(expected),
                            true,
                            0));
                }
            }
        }
        check(3 * Z.length * lses.length);
    }

    /**
     * The accuracy rules of Ops.outputError: jb_single_output_correct against CpuMath's (a NaN output
     * or target is never correct; ½ itself counts as the upper side; ±0 and ±inf) and one argmax step,
     * jb_argmax_better, against CpuMath's (NaN never wins, ties go to the lower index, i < 0 is none).
     */
    @Test
    void accuracyRules() throws Exception {
        float half = 0.5f;
        float[] v = {
            0f,
            -0f,
            half,
            Math.nextDown(half),
            Math.nextUp(half),
            1f,
            -1f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN,
            Float.intBitsToFloat(0xffc00001) // a negative NaN with a payload
        };
        int[] index = {-1, 0, 2, 3, 5};
        int n = 0;
        for (float a : v) {
            for (float y : v) {
                f(
                        "singleOutputCorrect(a=" + a + ", y=" + y + ")",
                        0,
                        flag(CpuMath.singleOutputCorrect(a, y)),
                        "S",
                        a,
                        y);
                n++;
            }
        }
        for (float x : v) {
            for (int i : index) {
                for (float best : v) {
                    for (int bi : index) {
                        StringBuilder line = new StringBuilder("M ")
                                .append(h(x))
                                .append(' ')
                                .append(Integer.toHexString(i))
                                .append(' ')
                                .append(h(best))
                                .append(' ')
                                .append(Integer.toHexString(bi));
                        cases.add(new Case(
                                line.toString(),
                                "argmaxBetter(v=" + x + ", i=" + i + ", best=" + best + ", bi=" + bi + ")",
                                Float.floatToRawIntBits(flag(CpuMath.argmaxBetter(x, i, best, bi))) & 0xffffffffL,
                                false,
                                0));
                        n++;
                    }
                }
            }
        }
        check(n);
    }

    private static float flag(boolean b) {
        return b ? 1f : 0f;
    }

    /**
     * The uint8 gather's maths (jb_decode_u8, jb_normalise) against the engine's rule (SampleStore) and the
     * data package's (FeatureMatrix.decode, Normalization.apply), bit for bit: every byte value, without a
     * normalisation and with shifts and factors from fitted statistics and at the edges; and jb_one_hot.
     */
    @Test
    void byteDecodingAndOneHot() throws Exception {
        for (int v = 0; v < 256; v++) {
            float d = dev.jbackprop.engine.SampleStore.decode((byte) v);
            assertEquals(
                    Float.floatToRawIntBits(dev.jbackprop.data.FeatureMatrix.decode((byte) v)),
                    Float.floatToRawIntBits(d),
                    "the engine's and the data package's decoding of " + v);
            cases.add(new Case(
                    "u " + Integer.toHexString(v), "decode " + v, Float.floatToRawIntBits(d) & 0xffffffffL, false, 0));
        }
        float[] shifts = {0f, -0f, 0.1307f, 0.5f, -3.25f, 1e-30f, 1e30f, Float.MIN_VALUE, 0.33333334f};
        float[] factors = {1f, 3.2457f, 1f / 0.3081f, 0f, 1e-30f, 1e30f, Float.MAX_VALUE, 0.5f};
        for (int v = 0; v < 256; v += 1) {
            for (float sh : shifts) {
                for (float fa : factors) {
                    float d = dev.jbackprop.engine.SampleStore.decode((byte) v);
                    float want = (d - sh) * fa;
                    if (fa > 0 && Double.isFinite(1.0 / fa)) { // the data package's normalisation, where it can hold fa
                        dev.jbackprop.data.Normalization n = dev.jbackprop.data.Normalization.of(
                                dev.jbackprop.data.Normalization.Kind.STANDARD,
                                new double[] {sh},
                                new double[] {1.0 / fa});
                        if (n.shiftFloats()[0] == sh && n.factorFloats()[0] == fa)
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(n.apply(0, d)));
                    }
                    cases.add(new Case(
                            "N " + Integer.toHexString(v) + " " + h(sh) + " " + h(fa),
                            "normalise " + v + " shift " + sh + " factor " + fa,
                            Float.floatToRawIntBits(want) & 0xffffffffL,
                            false,
                            0));
                }
            }
        }
        int[][] oneHot = {{0, 0, 1}, {0, 1, 3}, {2, 2, 3}, {2, 3, 3}, {0, -1, 3}, {5, 5, 10}, {4, 5, 10}};
        for (int[] t : oneHot) {
            float want = t[1] < 0 || t[1] >= t[2] ? Float.NaN : t[0] == t[1] ? 1f : 0f;
            cases.add(new Case(
                    "E " + Integer.toHexString(t[0]) + " " + Integer.toHexString(t[1]) + " "
                            + Integer.toHexString(t[2]),
                    "one-hot row " + t[0] + " class " + t[1] + " of " + t[2],
                    Float.floatToRawIntBits(want) & 0xffffffffL,
                    false,
                    0));
        }
        check(256 + 256 * shifts.length * factors.length + oneHot.length);
    }

    /**
     * jb_bf16 (the copies the GEMMs read with --bf16) against the Java reference, bit for bit: the
     * grid above, the special values, every exponent with the low mantissa bits just below, at and just
     * above the rounding tie (even and odd kept bit), every NaN class, and random bit patterns.
     */
    @Test
    void bf16Rounding() throws Exception {
        List<Integer> in = new ArrayList<>();
        for (float z : Z) in.add(Float.floatToRawIntBits(z));
        for (float a : A) in.add(Float.floatToRawIntBits(a));
        for (int sign : new int[] {0, 0x80000000}) {
            for (int exp = 0; exp <= 0xff; exp++) {
                for (int kept : new int[] {0x0000, 0x0001, 0x7e, 0x7f
                }) { // the kept mantissa bits: even, odd, and the carry into the exponent
                    for (int low : new int[] {0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff}) {
                        in.add(sign | exp << 23 | kept << 16 | low);
                    }
                }
            }
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) in.add(r.nextInt());
        StringBuilder sb = new StringBuilder();
        for (int u : in) sb.append("H ").append(Integer.toHexString(u)).append('\n');
        Path file = Files.createTempFile(dir, "bf16", ".txt");
        Files.writeString(file, sb);
        Nvcc.Result res = Nvcc.run(List.of(program.toString()), file, Map.of(), 120);
        assertEquals(0, res.exit(), "host program failed:\n" + res.output());
        String[] out = res.output().strip().split("\n");
        assertEquals(in.size(), out.length, "one output line per case");
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            int u = in.get(i);
            int want = Bf16.bits(Float.intBitsToFloat(u)) & 0xffff;
            int got = Integer.parseInt(out[i].trim(), 16);
            if (got != want)
                bad.add(String.format(
                        "jb_bf16(%08x = %s) = %04x, reference %04x", u, Float.intBitsToFloat(u), got, want));
        }
        if (!bad.isEmpty())
            fail(bad.size() + " of " + in.size() + " differ:\n  "
                    + String.join("\n  ", bad.subList(0, Math.min(40, bad.size()))));
    }

    /**
     * The row walk of bias_activation and gather_columns (jb_row_walk_from, jb_row_step): a thread's
     * (row, column) carried along its grid-stride loop equals (i mod rows, i div rows) at every element,
     * for strides smaller and larger than rows, 1-row matrices, and element counts past 2^31.
     */
    @Test
    void rowWalkMatchesDivisionAtEveryStep() throws Exception {
        List<String> lines = new ArrayList<>();
        int[] rowsCases = {1, 2, 7, 10, 256, 784, 4099, 65_537, 1 << 20};
        long[][] threads = {{0, 1}, {5, 256}, {255, 256}, {1000, 33_792}, {33_791, 33_792}, {7, 1 << 20}};
        for (int rows : rowsCases) {
            for (long[] t : threads) {
                long n = Math.min((long) rows * 129, t[0] + 200_000L * t[1]);
                lines.add(String.format("R %x %x %x %x", t[0], t[1], rows, n));
            }
        }
        // far past 2^31 elements (4099 rows × 600,000 columns): a few steps from deep in the loop
        lines.add(String.format("R %x %x %x %x", 1_000, 1 << 21, 4099, 4099L * 600_000));
        Path file = Files.createTempFile(dir, "walk", ".txt");
        Files.writeString(file, String.join("\n", lines) + "\n");
        Nvcc.Result res = Nvcc.run(List.of(program.toString()), file, Map.of(), 120);
        assertEquals(0, res.exit(), "host program failed:\n" + res.output());
        String[] out = res.output().strip().split("\n");
        assertEquals(lines.size(), out.length);
        for (int i = 0; i < lines.size(); i++) assertEquals("00000000", out[i].trim(), lines.get(i));
    }

    /** Runs the program over {@link #cases} and compares; reports every mismatch. */
    private void check(int expectedCount) throws Exception {
        assertEquals(expectedCount, cases.size(), "test grid size");
        Path in = Files.createTempFile(dir, "cases", ".txt");
        StringBuilder sb = new StringBuilder();
        for (Case c : cases) sb.append(c.line()).append('\n');
        Files.writeString(in, sb);
        Nvcc.Result r = Nvcc.run(List.of(program.toString()), in, Map.of(), 120);
        assertEquals(0, r.exit(), "host program failed:\n" + r.output());
        String[] out = r.output().strip().split("\n");
        assertEquals(cases.size(), out.length, "one output line per case");
        List<String> bad = new ArrayList<>();
        int exact = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            long got = Long.parseUnsignedLong(out[i].trim(), 16);
            long d = c.isDouble() ? ulpsDouble(got, c.expected()) : ulpsFloat((int) got, (int) c.expected());
            if (d == 0) exact++;
            if (d > c.ulps()) {
                bad.add(c.what() + ": kernel " + show(got, c.isDouble()) + ", CPU " + show(c.expected(), c.isDouble())
                        + " (" + (d == Long.MAX_VALUE ? "NaN mismatch" : d + " ulp") + ")");
            }
        }
        if (!bad.isEmpty())
            fail(bad.size() + " of " + cases.size() + " results differ from CpuMath:\n  "
                    + String.join("\n  ", bad.subList(0, Math.min(40, bad.size()))));
        assertTrue(
                exact >= cases.size() * 0.99,
                "at most 1% may differ by an ulp, " + (cases.size() - exact) + " of " + cases.size() + " did");
    }

    private static String show(long bits, boolean isDouble) {
        return isDouble
                ? Double.longBitsToDouble(bits) + " [" + Long.toHexString(bits) + "]"
                : Float.intBitsToFloat((int) bits) + " [" + Integer.toHexString((int) bits) + "]";
    }

    /** 0 for identical bits or two NaNs; Long.MAX_VALUE when only one is NaN or infinities differ; else the ulp distance (±0 are 1 apart). */
    static long ulpsFloat(int a, int b) {
        float x = Float.intBitsToFloat(a), y = Float.intBitsToFloat(b);
        if (Float.isNaN(x) || Float.isNaN(y)) return Float.isNaN(x) && Float.isNaN(y) ? 0 : Long.MAX_VALUE;
        if (a == b) return 0;
        if (Float.isInfinite(x) || Float.isInfinite(y)) return Long.MAX_VALUE;
        return Math.abs(ordered(a) - ordered(b));
    }

    static long ulpsDouble(long a, long b) {
        double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
        if (Double.isNaN(x) || Double.isNaN(y)) return Double.isNaN(x) && Double.isNaN(y) ? 0 : Long.MAX_VALUE;
        if (a == b) return 0;
        if (Double.isInfinite(x) || Double.isInfinite(y)) return Long.MAX_VALUE;
        long oa = a < 0 ? Long.MIN_VALUE - a : a, ob = b < 0 ? Long.MIN_VALUE - b : b;
        return Math.abs(oa - ob);
    }

    /** Float bits mapped to a monotonic integer line (−0 just below +0). */
    private static long ordered(int bits) {
        return bits < 0 ? -1L - (bits & 0x7fffffffL) : bits;
    }

    @Test
    void ulpDistanceIsMeaningful() {
        assertEquals(0, ulpsFloat(Float.floatToRawIntBits(Float.NaN), 0x7fc00001));
        assertEquals(Long.MAX_VALUE, ulpsFloat(Float.floatToRawIntBits(Float.NaN), 0));
        assertEquals(1, ulpsFloat(Float.floatToRawIntBits(1f), Float.floatToRawIntBits(Math.nextUp(1f))));
        assertEquals(1, ulpsFloat(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(-0f)));
        assertEquals(3, ulpsFloat(Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(-Float.MIN_VALUE)));
        assertEquals(
                Long.MAX_VALUE,
                ulpsFloat(Float.floatToRawIntBits(Float.MAX_VALUE), Float.floatToRawIntBits(Float.POSITIVE_INFINITY)));
    }
}
