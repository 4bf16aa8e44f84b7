package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * verify's BF16 tolerance ({@link Verify.Tolerance#BF16}, derived in its comment) checked without a
 * GPU: the CPU backend with its GEMM inputs rounded to bfloat16 exactly as the CUDA backend's --bf16
 * rounds them ({@link RoundedGemmOps}) against the plain CPU backend, through {@link Verify#run} with
 * verify's defaults, on every network bench/gpu-check.sh verifies in BF16 and on verify's default
 * network. The GPU differs from this emulation only in the order of its FP32 sums, so its verify
 * errors are these plus FP32-level noise: the emulated worst must stay under half the tolerance.
 */
class Bf16ToleranceTest {
    static final double TOL = Verify.Tolerance.BF16.value;
    /** VerifyCommand's defaults. */
    static final Step.Hyper HYPER = new Step.Hyper(0.1, 1.0, 0.9, 1000);

    static final Init INIT = Init.SCALED;
    static final long SEED = 1;

    /** One `jbackprop verify` invocation: --layers, --activation, --cost, --output-activation (null: the cost's), --batch, --steps. */
    record Run(String layers, String activation, String cost, String output, int batch, int steps) {
        NetworkSpec spec() {
            return NetworkSpec.of(
                    NetworkSpec.parseSizes(layers),
                    List.of(Activation.parse(activation)),
                    output == null ? null : Activation.parse(output),
                    Cost.parse(cost));
        }

        @Override
        public String toString() {
            return "[" + layers + "] " + activation + " " + cost + (output != null ? "/" + output : "") + " batch "
                    + batch + " steps " + steps;
        }
    }

    /** bench/gpu-check.sh's BF16 verify runs, and verify's defaults. */
    static Stream<Run> networks() {
        List<Run> runs = new ArrayList<>();
        for (String act : new String[] {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "identity"}) {
            runs.add(new Run("37,29,13,11", act, "quadratic", "sigmoid", 7, 3));
            runs.add(new Run("37,29,13,11", act, "quadratic", "identity", 7, 3));
            runs.add(new Run("37,29,13,11", act, "cross-entropy", null, 7, 3));
            runs.add(new Run("37,29,13,11", act, "binary-cross-entropy", null, 7, 3));
        }
        runs.add(new Run("1,1,1", "tanh", "quadratic", "identity", 1, 3));
        runs.add(new Run("784,4099,10", "elu", "cross-entropy", null, 129, 2));
        runs.add(new Run("5000,4097,3", "elu", "binary-cross-entropy", null, 33, 2));
        runs.add(new Run("784,1024,1024,10", "sigmoid", "cross-entropy", null, 256, 3));
        runs.add(new Run("784,100,10", "sigmoid", "cross-entropy", null, 32, 5));
        return runs.stream();
    }

    static Verify.Report emulate(Run run) {
        try (CpuOps want = new CpuOps(1);
                CpuOps inner = new CpuOps(1)) {
            return Verify.run(
                    want,
                    new RoundedGemmOps(inner),
                    run.spec(),
                    run.batch(),
                    run.steps(),
                    HYPER,
                    INIT,
                    SEED,
                    Verify.Tolerance.BF16);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void emulatedErrorIsWellInsideTheTolerance(Run run) {
        Verify.Report r = emulate(run);
        Verify.Row w = r.worst();
        String what = run + ": worst " + w.quantity() + " of layer " + w.layer() + " at " + w.normalised();
        System.out.println(what); // the figures, in target/surefire-reports/*Bf16ToleranceTest-output.txt
        assertTrue(r.pass(), what);
        assertTrue(w.normalised() <= TOL / 2, what + " is not well inside the tolerance " + TOL);
        // the emulation did round: a quantity past the first GEMM moved by more than FP32 noise
        assertTrue(w.normalised() > 1e-4, what + ": no bfloat16 rounding visible");
        assertTrue(
                Math.abs(r.costGot() - r.costWant()) <= TOL / 2 * Math.max(1, Math.abs(r.costWant())),
                run + ": cost " + r.costGot() + " vs " + r.costWant());
    }

    /**
     * Why gpu-check.sh verifies the wide layer in BF16 with ELU rather than ReLU: a ReLU unit whose z
     * lies within bfloat16 rounding of 0 can land on the other side of the kink, and its σ′ flips
     * between 0 and 1, so its δ differs by all of itself. With 4099 × 129 pre-activations some do, and
     * the max-norm comparison with FP32 fails however good the arithmetic; away from the flipped units
     * the error is as small as elsewhere.
     */
    @Test
    void atAReluKinkTheComparisonWithFp32IsNotMeaningful() {
        Run run = new Run("784,4099,10", "relu", "cross-entropy", null, 129, 2);
        Verify.Report r = emulate(run);
        assertFalse(r.pass(), run + " was expected to fail its max-norm comparison");
        Verify.Row w = r.worst();
        assertEquals(1, w.layer(), "the ReLU layer");
        assertEquals("delta", w.quantity());

        NetworkSpec spec = run.spec();
        int m = run.batch();
        try (CpuOps cpu = new CpuOps(1);
                CpuOps inner = new CpuOps(1)) {
            Ops bf16 = new RoundedGemmOps(inner);
            float[][] z = new float[2][], delta = new float[2][];
            Ops[] backends = {cpu, bf16};
            for (int i = 0; i < 2; i++) { // verify's first step
                try (Network n = new Network(backends[i], spec, m, true);
                        Metrics metrics = backends[i].allocateMetrics()) {
                    n.setParameters(INIT.initialise(spec.layout(), SEED));
                    float[][] data = GradCheck.batch(spec, m, SEED * 1000);
                    n.ops.upload(data[0], 0, n.x.block(), 0, data[0].length);
                    n.ops.upload(data[1], 0, n.y.block(), 0, data[1].length);
                    Step.forward(n, m);
                    Step.outputError(n, m, metrics, true);
                    Step.backward(n, m);
                    z[i] = n.read(n.z[0], m);
                    delta[i] = n.read(n.delta[0], m);
                }
            }
            int flipped = 0;
            double maxRef = 0, errKept = 0, errFlipped = 0;
            for (int j = 0; j < z[0].length; j++) {
                maxRef = Math.max(maxRef, Math.abs(delta[0][j]));
                double e = Math.abs(delta[1][j] - delta[0][j]);
                if ((z[0][j] > 0) != (z[1][j] > 0)) {
                    flipped++;
                    errFlipped = Math.max(errFlipped, e);
                } else {
                    errKept = Math.max(errKept, e);
                }
            }
            String what = flipped + " of " + z[0].length + " pre-activations changed sides; δ error "
                    + errFlipped / maxRef + " there, " + errKept / maxRef + " elsewhere";
            System.out.println(run + ": " + what);
            assertTrue(flipped > 0, what);
            assertTrue(errFlipped / maxRef > TOL, what);
            assertTrue(errKept / maxRef <= TOL / 2, what);
        }
    }
}
