package dev.jbackprop.backend.cpu;

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
 * The CPU backend's optimiser step ({@code Ops.optimizerStep}): the loops of one pass over elements of the
 * parameter block, with the step's numbers read from the scalars block when they run ({@link
 * dev.jbackprop.engine.UpdateScalars}). The passes are tasks ({@link CpuTasks.OptimizerStep}, and per layer in a
 * captured step {@link CpuTasks.SegmentOptimizerStep}), split over the worker pool like the SGD update; every rule
 * is elementwise, so the split changes no float. sgd is the SGD update's own loop ({@link CpuKernels#update}),
 * so it gives the floats it always gave; nesterov, adam and adamw are vectorised C (native/cpu/cpu_optim.c)
 * where the native library loads, else the Java loops here, with the same floats (CpuOptimizersTest compares
 * them bit for bit, KernelMathTest the CUDA kernel's maths with the same formulas).
 */
final class CpuOptimizers {
    private CpuOptimizers() {}

    /** Whether the C loops are there (a library built before cpu_optim.c existed lacks them). */
    static final boolean NATIVE = NativeKernels.AVAILABLE && probeNative();

    /** Elements [from, to) of one step of {@code rule} (an {@link Optimizer.Kind#code}). */
    static void step(int rule, long p, long g, long s1, long s2, long sc, int weightCount, int from, int to) {
        if (rule == Optimizer.Kind.SGD.code) {
            CpuKernels.update(
                    p, g, s1, from, to, weightCount, Mem.get(sc, RATE), Mem.get(sc, MOMENTUM), Mem.get(sc, DECAY));
        } else if (!(NATIVE && stepNative(rule, p, g, s1, s2, sc, from, to))) {
            stepJava(rule, p, g, s1, s2, sc, from, to);
        }
    }

    /** {@link #step} in Java (nesterov, adam, adamw). */
    static void stepJava(int rule, long p, long g, long s1, long s2, long sc, int from, int to) {
        float rate = Mem.get(sc, RATE), batch = Mem.get(sc, BATCH), wd = Mem.get(sc, WEIGHT_DECAY);
        if (rule == Optimizer.Kind.NESTEROV.code) {
            float mu = Mem.get(sc, MOMENTUM);
            for (int i = from; i < to; i++) {
                float pi = Mem.get(p, i);
                float d = Mem.get(g, i) / batch + wd * pi;
                float b = mu * Mem.get(s1, i) + d;
                Mem.put(s1, i, b);
                d = d + mu * b;
                Mem.put(p, i, pi - rate * d);
            }
            return;
        }
        if (rule != Optimizer.Kind.ADAM.code && rule != Optimizer.Kind.ADAMW.code)
            throw new IllegalArgumentException("no optimiser rule " + rule);
        boolean decoupled = rule == Optimizer.Kind.ADAMW.code;
        float decay = Mem.get(sc, DECAY), b1 = Mem.get(sc, BETA1), c1 = Mem.get(sc, ONE_MINUS_BETA1);
        float b2 = Mem.get(sc, BETA2), c2 = Mem.get(sc, ONE_MINUS_BETA2);
        float bc2 = Mem.get(sc, BC2_SQRT), eps = Mem.get(sc, EPSILON);
        for (int i = from; i < to; i++) {
            float pi = Mem.get(p, i);
            if (decoupled) pi = decay * pi;
            float d = Mem.get(g, i) / batch + wd * pi;
            float a = b1 * Mem.get(s1, i) + c1 * d;
            float v = b2 * Mem.get(s2, i) + c2 * (d * d);
            Mem.put(s1, i, a);
            Mem.put(s2, i, v);
            float denom = (float) Math.sqrt(v) / bc2 + eps; // √ of a float in double, rounded once: IEEE sqrtf
            Mem.put(p, i, pi - rate * (a / denom));
        }
    }

    /** Elements [from, to) in C; false (nothing done) for sgd. */
    static native boolean stepNative(int rule, long p, long g, long s1, long s2, long sc, int from, int to);

    /** Writes the scalars at an address (setScalars on the CPU: host memory, nothing queued). */
    static void setScalars(long dst, float[] values) {
        for (int i = 0; i < values.length; i++) Mem.put(dst, i, values[i]);
    }

    private static boolean probeNative() {
        try {
            return !stepNative(Optimizer.Kind.SGD.code, 0, 0, 0, 0, 0, 0, 0);
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
