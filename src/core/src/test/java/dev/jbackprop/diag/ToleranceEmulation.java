package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Init;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What Bf16ToleranceTest and Tf32ToleranceTest share: verify's comparison (Verify.run with verify's
 * defaults) of the CPU backend with its GEMM inputs rounded as the GPU rounds them against the plain
 * CPU backend, on every case of bench/verify-matrix.txt in one precision, plus verify's default
 * network. The GPU differs from such an emulation only in the order of its FP32 sums, so its verify
 * errors are these plus FP32-level noise: the emulated worst must stay under half the tolerance.
 */
final class ToleranceEmulation {
    private ToleranceEmulation() {}

    static final Init INIT = Init.SCALED;
    static final long SEED = 1;

    /** The matrix's cases in {@code precision}, and verify's defaults ([784,100,10] sigmoid, batch 32, 5 steps). */
    static Stream<VerifyMatrix.Case> cases(String precision) {
        List<VerifyMatrix.Case> out = new ArrayList<>();
        for (VerifyMatrix.Case c : VerifyMatrix.read()) if (c.precision().equals(precision)) out.add(c);
        out.add(new VerifyMatrix.Case("default", precision, List.of()));
        return out.stream();
    }

    static Verify.Report emulate(VerifyMatrix.Case c, RoundedGemmOps.Rounding rounding, Verify.Tolerance tol) {
        try (CpuOps want = new CpuOps(1);
                CpuOps inner = new CpuOps(1)) {
            return Verify.run(
                    want,
                    new RoundedGemmOps(inner, rounding),
                    c.spec(),
                    c.batch(),
                    c.steps(),
                    c.hyper(),
                    INIT,
                    SEED,
                    tol);
        }
    }

    /** Emulates, prints the figures (target/surefire-reports/*-output.txt) and checks them against half the tolerance. */
    static Verify.Report check(VerifyMatrix.Case c, RoundedGemmOps.Rounding rounding, Verify.Tolerance tol) {
        Verify.Report r = emulate(c, rounding, tol);
        Verify.Row w = r.worst();
        String what = c + " " + rounding + ": worst " + w.quantity() + " of layer " + w.layer() + " at "
                + w.normalised() + (r.flipCount() > 0 ? " (" + r.flipCount() + " kink flips)" : "");
        System.out.println(what);
        assertTrue(r.pass(), what);
        assertTrue(w.normalised() <= tol.value / 2, what + " is not well inside the tolerance " + tol.value);
        // the emulation did round: a quantity past the first GEMM moved by more than FP32 noise
        assertTrue(w.normalised() > 1e-4, what + ": no rounding visible");
        assertTrue(
                Math.abs(r.costGot() - r.costWant()) <= tol.value / 2 * Math.max(1, Math.abs(r.costWant())),
                c + ": cost " + r.costGot() + " vs " + r.costWant());
        return r;
    }
}
