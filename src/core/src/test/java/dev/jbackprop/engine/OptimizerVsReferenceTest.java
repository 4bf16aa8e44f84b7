package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Optimizer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimiser on the CPU backend against the reference, step by step over ten steps whose rate changes every
 * step (a warm-up, then cosine): the parameters and the optimiser's state within 2e-6 (normalised) of the
 * reference's double-precision PyTorch formulas after each step, from the first (Adam's bias correction at t = 1)
 * on. sgd's velocity is checked against −η_t times PyTorch's buffer, which shows that its momentum follows a
 * changing rate as PyTorch's does.
 */
class OptimizerVsReferenceTest {
    static final double TOLERANCE = 2e-6;

    static Stream<Optimizer> optimizers() {
        return OptimizerScenarios.optimizers().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void tenStepsMatchTheReference(Optimizer o) {
        try (CpuOps ops = new CpuOps(2)) {
            List<List<OptimizerScenarios.Error>> steps = OptimizerScenarios.run(ops, o, 10);
            assertEquals(10, steps.size());
            for (int t = 0; t < steps.size(); t++) {
                for (OptimizerScenarios.Error e : steps.get(t)) {
                    int step = t + 1;
                    assertTrue(
                            e.error() <= TOLERANCE,
                            () -> o.describe() + " step " + step + ": " + e.what() + " off by " + e.error());
                }
            }
        }
    }
}
