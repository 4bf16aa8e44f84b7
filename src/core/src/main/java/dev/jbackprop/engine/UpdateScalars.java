package dev.jbackprop.engine;

import dev.jbackprop.model.Optimizer;

/**
 * The per-step numbers of {@link Ops#optimizerStep}: computed here on the host, in double and rounded once to
 * float, for every step, and written with {@link Ops#setScalars} into a small block that the update reads when it
 * runs. A replayed step (a CUDA graph) therefore sees the learning rate and Adam's bias corrections of the step
 * it is replayed for, not those of the step it was captured on.
 *
 * <p>The layout (the same indices as JB_S_* in kernels/elementwise.cuh and native/cpu/cpu_optim.c; KernelMathTest
 * and the contract suite would show a difference):
 *
 * <pre>
 *   RATE             sgd: η_t/m    nesterov: η_t    adam, adamw: η_t/(1 − β₁ᵗ)
 *   DECAY            sgd: 1 − η_tλ/n    adamw: 1 − η_t·wd    else 1
 *   MOMENTUM         sgd: μ·η_t/η_{t−1} (μ at t = 1)    nesterov: μ    else 0
 *   BATCH            m (nesterov, adam, adamw divide the summed gradient by it)
 *   WEIGHT_DECAY     nesterov, adam: wd    else 0
 *   BETA1, ONE_MINUS_BETA1, BETA2, ONE_MINUS_BETA2   adam, adamw (1 − β in double, as PyTorch computes it)
 *   BC2_SQRT         adam, adamw: √(1 − β₂ᵗ)
 *   EPSILON          adam, adamw: ε
 * </pre>
 *
 * sgd's numbers are exactly those its update always took (rate = (float)(η/m), decay = (float)(1 − ηλ/n), μ), so a
 * constant rate gives the same floats, bit for bit, as before schedules existed. μ′ = μ·η_t/η_{t−1} keeps sgd
 * PyTorch's update under a schedule: with v = −η·b (b PyTorch's momentum buffer), b ← μb + g becomes
 * v_t = μ(η_t/η_{t−1})v_{t−1} − η_t g.
 */
public final class UpdateScalars {
    private UpdateScalars() {}

    public static final int RATE = 0;
    public static final int DECAY = 1;
    public static final int MOMENTUM = 2;
    public static final int BATCH = 3;
    public static final int WEIGHT_DECAY = 4;
    public static final int BETA1 = 5;
    public static final int ONE_MINUS_BETA1 = 6;
    public static final int BETA2 = 7;
    public static final int ONE_MINUS_BETA2 = 8;
    public static final int BC2_SQRT = 9;
    public static final int EPSILON = 10;
    /** The block length the update reads. */
    public static final int COUNT = 11;

    /**
     * The numbers of one step into {@code out} (every entry written; allocates nothing).
     *
     * @param out COUNT floats
     * @param o the optimiser
     * @param rate η_t, this step's learning rate
     * @param previousRate η_{t−1} (sgd's momentum follows the rate's change), or η_t for the first step
     * @param lambda the textbook's L2 λ (sgd only)
     * @param n the training-set size (the textbook's λ/n)
     * @param m this step's batch size
     * @param t the optimiser step, 1 for the first (Adam's bias corrections)
     */
    public static void compute(
            float[] out, Optimizer o, double rate, double previousRate, double lambda, int n, int m, long t) {
        if (out.length < COUNT) throw new IllegalArgumentException("update scalars need " + COUNT + " floats");
        if (t < 1) throw new IllegalArgumentException("optimiser steps count from 1, got " + t);
        java.util.Arrays.fill(out, 0, COUNT, 0f);
        out[DECAY] = 1f;
        out[BATCH] = m;
        switch (o.kind()) {
            case SGD -> {
                out[RATE] = (float) (rate / m);
                out[DECAY] = (float) (1.0 - rate * lambda / n);
                double ratio = previousRate > 0 && previousRate != rate ? rate / previousRate : 1.0;
                out[MOMENTUM] = (float) (o.momentum() * ratio);
            }
            case NESTEROV -> {
                out[RATE] = (float) rate;
                out[MOMENTUM] = (float) o.momentum();
                out[WEIGHT_DECAY] = (float) o.weightDecay();
            }
            case ADAM, ADAMW -> {
                double bc1 = 1 - Math.pow(o.beta1(), t), bc2 = 1 - Math.pow(o.beta2(), t);
                out[RATE] = (float) (rate / bc1);
                out[BC2_SQRT] = (float) Math.sqrt(bc2);
                out[BETA1] = (float) o.beta1();
                out[ONE_MINUS_BETA1] = (float) (1 - o.beta1());
                out[BETA2] = (float) o.beta2();
                out[ONE_MINUS_BETA2] = (float) (1 - o.beta2());
                out[EPSILON] = (float) o.epsilon();
                if (o.kind() == Optimizer.Kind.ADAM) out[WEIGHT_DECAY] = (float) o.weightDecay();
                else out[DECAY] = (float) (1 - rate * o.weightDecay());
            }
        }
    }
}
