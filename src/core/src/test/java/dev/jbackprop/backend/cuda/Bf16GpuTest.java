package dev.jbackprop.backend.cuda;

import static dev.jbackprop.backend.cuda.GpuTestSupport.assertWithin;
import static dev.jbackprop.backend.cuda.GpuTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.Bf16;
import dev.jbackprop.diag.RoundedGemmOps;
import dev.jbackprop.diag.Verify;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.ResumeTest;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend with --bf16: the bfloat16 copies the GEMMs read are exactly jb_bf16 of the float32
 * values after every operation that writes them (so a GEMM never reads a stale copy), the GEMM
 * computes on those copies with float32 sums, verify passes with the BF16 tolerance, and the whole
 * step agrees with the CPU emulation of the rounding (Bf16ToleranceTest's model) to near-FP32
 * accuracy. Skipped, with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
class Bf16GpuTest {
    static CudaOps open() {
        GpuTestSupport.assumeGpu();
        return new CudaOps(new CudaOptions(0, false, true, false));
    }

    /** The copy of b[0, length) is Bf16.bits of its floats, element by element. */
    static void assertCopy(CudaOps ops, String what, Block b, long offset, int length) {
        float[] f = new float[length];
        ops.download(b, offset, f, 0, length);
        short[] h = ops.downloadBf16(b, offset, length);
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < length; i++) {
            if (h[i] != Bf16.bits(f[i])) {
                count++;
                if (bad.size() < 10)
                    bad.add(String.format(
                            "[%d] float %s (%08x): copy %04x, want %04x",
                            i, f[i], Float.floatToRawIntBits(f[i]), h[i] & 0xffff, Bf16.bits(f[i]) & 0xffff));
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + length + " bfloat16 copies differ from the floats:\n  "
                    + String.join("\n  ", bad));
    }

    static void assertCopy(CudaOps ops, String what, Mat m) {
        assertCopy(ops, what, m.block(), 0, Math.toIntExact(m.size()));
    }

    @Test
    void descriptionSaysBf16() {
        try (CudaOps ops = open()) {
            assertTrue(ops.description().contains("BF16"), ops.description());
            assertTrue(ops.options().bf16());
        }
    }

    @Test
    void copiesFollowEveryWriteOfATrainingStep() {
        NetworkSpec spec = NetworkSpec.of(
                new int[] {13, 17, 9, 5},
                List.of(Activation.TANH, Activation.RELU),
                Activation.SOFTMAX,
                Cost.CROSS_ENTROPY);
        int count = 40, batch = 16;
        float[][] d = ResumeTest.synthetic(spec.inputSize(), spec.outputSize(), count, 3);
        try (CudaOps ops = open();
                Network net = new Network(ops, spec, batch, true);
                DeviceData data = DeviceData.upload(ops, d[0], d[1], spec.inputSize(), spec.outputSize(), count);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.HE.initialise(spec.layout(), 7));
            assertCopy(ops, "parameters after the upload", net.params, 0, Math.toIntExact(net.params.length()));
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = (i * 7) % count;
            data.beginEpoch(order);
            Step.Hyper h = new Step.Hyper(0.1, 0.5, 0.9, count);
            for (int step = 0; step < 3; step++) {
                int m = step == 2 ? count - 2 * batch : batch; // a partial batch too
                data.load(step * batch, m, net.x, net.y);
                assertCopy(ops, "x after the gather, step " + step, net.x);
                Step.forward(net, m);
                for (int l = 0; l < net.layers(); l++)
                    assertCopy(ops, "a[" + l + "] after the forward pass, step " + step, net.a[l]);
                Step.outputError(net, m, metrics, true);
                assertCopy(ops, "δ of the output layer, step " + step, net.delta[net.layers() - 1]);
                Step.backward(net, m);
                for (int l = 0; l < net.layers(); l++)
                    assertCopy(ops, "δ[" + l + "] after the backward pass, step " + step, net.delta[l]);
                Step.update(net, m, h);
                assertCopy(
                        ops,
                        "parameters after the update, step " + step,
                        net.params,
                        0,
                        Math.toIntExact(net.params.length()));
            }
        }
    }

    /** The uint8 gather (decoded, normalised) writes x's copy as the float gather does. */
    @Test
    void uint8GatherWritesTheCopy() {
        int features = 13, classes = 4, count = 40, batch = 16;
        java.util.Random r = new java.util.Random(9);
        byte[] x = new byte[features * count];
        r.nextBytes(x);
        int[] c = new int[count];
        for (int i = 0; i < count; i++) c[i] = r.nextInt(classes);
        float[] shift = new float[features], factor = new float[features];
        for (int k = 0; k < features; k++) {
            shift[k] = r.nextFloat();
            factor[k] = 1 + 10 * r.nextFloat();
        }
        dev.jbackprop.engine.SampleStore store = dev.jbackprop.engine.SampleStore.uint8(features, x)
                .withClasses(c, classes)
                .withNormalisation(shift, factor);
        NetworkSpec spec = NetworkSpec.of(
                new int[] {features, 7, classes}, List.of(Activation.RELU), Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        try (CudaOps ops = open();
                Network net = new Network(ops, spec, batch, false);
                DeviceData data = DeviceData.upload(ops, store)) {
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = (i * 7) % count;
            data.beginEpoch(order);
            for (int step = 0; step < 3; step++) {
                int m = step == 2 ? count - 2 * batch : batch;
                data.load(step * batch, m, net.x, net.y);
                assertCopy(ops, "x after the uint8 gather, step " + step, net.x);
            }
        }
    }

    @Test
    void uploadsFillsAndOddLengthsKeepTheCopy() {
        try (CudaOps ops = open();
                Block b = ops.allocateGemmOperands(1001);
                Block plain = ops.allocate(10)) {
            assertCopy(ops, "a new block (zeros)", b, 0, 1001);
            float[] v = uniform(new SplittableRandom(5), 1001, -3, 3);
            v[0] = Float.NaN;
            v[1] = Float.MAX_VALUE;
            v[2] = 0x1.01p0f; // a tie: rounds to even
            v[3] = Float.MIN_VALUE;
            ops.upload(v, 0, b, 0, v.length);
            assertCopy(ops, "after an upload", b, 0, 1001);
            ops.upload(new float[] {1.00390625f, -7f}, 0, b, 999, 2); // into the odd tail
            assertCopy(ops, "after an upload into the tail", b, 0, 1001);
            ops.fill(b, 0.1f);
            assertCopy(ops, "after a fill", b, 0, 1001);
            assertThrows(
                    IllegalArgumentException.class, () -> ops.downloadBf16(plain, 0, 10), "a plain block has no copy");
        }
    }

    /**
     * C = α·op(A)·op(B) + β·C on the rounded inputs, in double, within CudaOpsGpuTest's FP32 GEMM
     * tolerance (the products of two bfloat16 are exact in float32; only the float32 sums round); the
     * same product on the unrounded inputs lies well outside it, so the inputs were rounded.
     */
    @Test
    void gemmComputesOnTheRoundedInputs() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (CudaOps ops = open()) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    int m = 37, n = 29, k = 131;
                    int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
                    float[] a = uniform(rnd, aRows * aCols, -1, 1),
                            b = uniform(rnd, bRows * bCols, -1, 1),
                            c0 = uniform(rnd, m * n, -1, 1);
                    try (Block ba = ops.allocateGemmOperands(a.length);
                            Block bb = ops.allocateGemmOperands(b.length);
                            Block bc = ops.allocate(c0.length)) {
                        ops.upload(a, 0, ba, 0, a.length);
                        ops.upload(b, 0, bb, 0, b.length);
                        ops.upload(c0, 0, bc, 0, c0.length);
                        ops.gemm(
                                transA,
                                transB,
                                m,
                                n,
                                k,
                                0.5f,
                                new Mat(ba, aRows, aCols),
                                new Mat(bb, bRows, bCols),
                                2f,
                                new Mat(bc, m, n));
                        float[] got = new float[m * n];
                        ops.download(bc, 0, got, 0, got.length);
                        double[] want = new double[m * n], tol = new double[m * n];
                        double roundedAway = 0;
                        for (int j = 0; j < n; j++) {
                            for (int i = 0; i < m; i++) {
                                double sum = 0, mag = 0, exact = 0;
                                for (int l = 0; l < k; l++) {
                                    float x = transA ? a[l + i * aRows] : a[i + l * aRows];
                                    float y = transB ? b[j + l * bRows] : b[l + j * bRows];
                                    sum += (double) Bf16.round(x) * Bf16.round(y);
                                    exact += (double) x * y;
                                    mag += Math.abs((double) x * y);
                                }
                                want[i + j * m] = 0.5 * sum + 2.0 * c0[i + j * m];
                                tol[i + j * m] = 2e-6 * Math.sqrt(k + 1.0) * (0.5 * mag + 2 * Math.abs(c0[i + j * m]));
                                roundedAway = Math.max(roundedAway, Math.abs(0.5 * (sum - exact)) / tol[i + j * m]);
                            }
                        }
                        String what = "bf16 gemm transA=" + transA + " transB=" + transB;
                        assertWithin(what, want, got, tol);
                        assertTrue(
                                roundedAway > 3,
                                what + ": the rounding of the inputs must be visible at this tolerance (" + roundedAway
                                        + ")");
                    }
                }
            }
        }
    }

    @Test
    void gemmRefusesAnOperandWithoutACopy() {
        try (CudaOps ops = open();
                Block w = ops.allocateGemmOperands(12);
                Block x = ops.allocate(12);
                Block z = ops.allocate(9)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> ops.gemm(
                            false, false, 3, 3, 4, 1f, new Mat(w, 3, 4), new Mat(x, 4, 3), 0f, new Mat(z, 3, 3)));
            assertTrue(e.getMessage().contains("B") && e.getMessage().contains("allocateGemmOperands"), e.getMessage());
        }
    }

    /** 2 bytes per float (whole 4-byte words) with bf16; nothing extra without. */
    @Test
    void theCopyIsAllocatedOnlyWithBf16() {
        GpuTestSupport.assumeGpu();
        for (boolean bf16 : new boolean[] {false, true}) {
            try (CudaOps ops = new CudaOps(new CudaOptions(0, false, bf16, false))) {
                long before = ops.allocatedBytes();
                try (Block b = ops.allocateGemmOperands(101)) {
                    assertEquals(bf16 ? 404 + 204 : 404, ops.allocatedBytes() - before, "bf16=" + bf16);
                }
                assertEquals(before, ops.allocatedBytes(), "closing the block frees its copy");
            }
        }
    }

    static final Step.Hyper VERIFY_HYPER = new Step.Hyper(0.1, 1.0, 0.9, 1000); // VerifyCommand's defaults

    static NetworkSpec spec(int[] sizes, Activation hidden, Activation out, Cost cost) {
        return NetworkSpec.of(sizes, hidden, out, cost);
    }

    /** verify --bf16 (GPU against the FP32 CPU) on networks of gpu-check.sh's BF16 matrix. */
    @Test
    void verifyPassesWithTheBf16Tolerance() {
        try (CudaOps ops = open();
                CpuOps cpu = new CpuOps(2)) {
            Object[][] runs = {
                {spec(new int[] {784, 100, 10}, Activation.SIGMOID, null, Cost.CROSS_ENTROPY), 32, 5},
                {spec(new int[] {37, 29, 13, 11}, Activation.TANH, Activation.IDENTITY, Cost.QUADRATIC), 7, 3},
                {spec(new int[] {37, 29, 13, 11}, Activation.RELU, null, Cost.BINARY_CROSS_ENTROPY), 7, 3},
                {spec(new int[] {784, 4099, 10}, Activation.ELU, null, Cost.CROSS_ENTROPY), 129, 2}
            };
            for (Object[] run : runs) {
                Verify.Report r = Verify.run(
                        cpu,
                        ops,
                        (NetworkSpec) run[0],
                        (int) run[1],
                        (int) run[2],
                        VERIFY_HYPER,
                        Init.SCALED,
                        1,
                        Verify.Tolerance.BF16);
                Verify.Row w = r.worst();
                assertTrue(
                        r.pass(),
                        run[0] + ": worst " + w.quantity() + " of layer " + w.layer() + " at " + w.normalised());
            }
        }
    }

    /**
     * The GPU against the CPU with the same bfloat16 rounding emulated (RoundedGemmOps): both round the
     * same float32 values, which differ only by FP32 summation order, so they agree to within 10× the
     * FP32 tolerance. The margin over FP32 is for values within a few float32 ulps of a bfloat16
     * rounding tie, which can round the other way (one input element off by 2^-8 of itself, entering a
     * sum of k terms). A stale copy or a wrong rounding shows here at the 2e-3 level of bfloat16 itself.
     */
    @Test
    void agreesWithTheCpuEmulationOfTheRounding() {
        double tol = 10 * Verify.Tolerance.FP32.value;
        try (CudaOps ops = open();
                CpuOps cpu = new CpuOps(2)) {
            Ops emulated = new RoundedGemmOps(cpu);
            List<NetworkSpec> specs = new ArrayList<>();
            specs.add(spec(new int[] {784, 100, 10}, Activation.SIGMOID, null, Cost.CROSS_ENTROPY));
            for (Activation act : new Activation[] {Activation.SIGMOID, Activation.TANH, Activation.ELU}) {
                specs.add(spec(new int[] {37, 29, 13, 11}, act, null, Cost.CROSS_ENTROPY));
                specs.add(spec(new int[] {37, 29, 13, 11}, act, Activation.SIGMOID, Cost.QUADRATIC));
            }
            for (NetworkSpec sp : specs) {
                Verify.Report r =
                        Verify.run(emulated, ops, sp, 16, 3, VERIFY_HYPER, Init.SCALED, 1, Verify.Tolerance.FP32);
                for (Verify.Row row : r.rows()) {
                    assertTrue(
                            row.normalised() <= tol,
                            sp + ": " + row.quantity() + " of layer " + row.layer() + " differs from the emulation by "
                                    + row.normalised());
                }
            }
        }
    }
}
