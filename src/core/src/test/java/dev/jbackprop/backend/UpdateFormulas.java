package dev.jbackprop.backend;

import static dev.jbackprop.engine.UpdateScalars.BATCH;
import static dev.jbackprop.engine.UpdateScalars.BC2_SQRT;
import static dev.jbackprop.engine.UpdateScalars.BETA1;
import static dev.jbackprop.engine.UpdateScalars.BETA2;
import static dev.jbackprop.engine.UpdateScalars.DECAY;
import static dev.jbackprop.engine.UpdateScalars.EPSILON;
import static dev.jbackprop.engine.UpdateScalars.MOMENTUM;
import static dev.jbackprop.engine.UpdateScalars.ONE_MINUS_BETA1;
import static dev.jbackprop.engine.UpdateScalars.ONE_MINUS_BETA2;
import static dev.jbackprop.engine.UpdateScalars.RATE;
import static dev.jbackprop.engine.UpdateScalars.WEIGHT_DECAY;

import dev.jbackprop.model.Optimizer;

/**
 * Ops.optimizerStep's formulas for one element, in float, written out here as its javadoc writes them (the
 * expectation of the contract suite and of KernelMathTest; the backends' loops and the kernel are written
 * separately).
 */
public final class UpdateFormulas {
    private UpdateFormulas() {}

    /**
     * {p, state1, state2} after one step.
     *
     * @param weight whether the element is a weight (below weightCount)
     * @param hasState1 whether the rule's first state block is given (sgd: momentum through it)
     */
    public static float[] step(
            Optimizer.Kind rule, boolean weight, boolean hasState1, float p, float g, float s1, float s2, float[] sc) {
        switch (rule) {
            case SGD -> {
                float rate = sc[RATE], mu = sc[MOMENTUM], decay = sc[DECAY];
                if (!hasState1 || mu == 0f) return new float[] {weight ? decay * p - rate * g : p - rate * g, s1, s2};
                float v = weight ? mu * s1 - rate * g - (1f - decay) * p : mu * s1 - rate * g;
                return new float[] {p + v, v, s2};
            }
            case NESTEROV -> {
                float mu = sc[MOMENTUM];
                float d = g / sc[BATCH] + sc[WEIGHT_DECAY] * p;
                float b = mu * s1 + d;
                d = d + mu * b;
                return new float[] {p - sc[RATE] * d, b, s2};
            }
            default -> {
                if (rule == Optimizer.Kind.ADAMW) p = sc[DECAY] * p;
                float d = g / sc[BATCH] + sc[WEIGHT_DECAY] * p;
                float m1 = sc[BETA1] * s1 + sc[ONE_MINUS_BETA1] * d;
                float m2 = sc[BETA2] * s2 + sc[ONE_MINUS_BETA2] * (d * d);
                float denom = (float) Math.sqrt(m2) / sc[BC2_SQRT] + sc[EPSILON];
                return new float[] {p - sc[RATE] * (m1 / denom), m1, m2};
            }
        }
    }
}
