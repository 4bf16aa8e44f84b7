package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.SampleStore;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Training through the Trainer with an optimiser other than constant-rate SGD, whose numbers (the schedule's rate,
 * Adam's bias corrections) change every step and reach the update through Ops.setScalars before each replay: with
 * captured steps replayed as plans (the default) and with -Djbackprop.cpu.plan=false (every step eager), the
 * weights, the optimiser's state and every epoch's figures are the same bit for bit, for the same thread count. A
 * plan that skipped, reordered or froze the optimiser step would differ (the rate moves every step), and so would
 * one that left out the batch's gathers (uint8 features and class indices are gathered inside the step).
 */
class CpuPlanOptimizerTest {

    static Stream<Arguments> cases() {
        Optimizer adam = Optimizer.adam(0.9, 0.999, 1e-8, 0);
        return Stream.of(
                Arguments.of(adam, "cosine", 1, false),
                Arguments.of(adam, "cosine", 2, false),
                Arguments.of(adam, "cosine", 3, false),
                Arguments.of(adam, "cosine", 2, true),
                Arguments.of(Optimizer.adamw(0.9, 0.999, 1e-8, 0.01), "onecycle", 2, false),
                Arguments.of(Optimizer.nesterov(0.9, 1e-4), "step:1e:0.5", 2, false),
                Arguments.of(Optimizer.sgd(0.9), "cosine", 2, false),
                Arguments.of(Optimizer.sgd(0.9), "cosine", 3, true));
    }

    // at least CpuPlan.TEAM_MIN_WORK multiply-adds a step, so the plan runs on the whole team
    static final NetworkSpec SPEC =
            NetworkSpec.of(new int[] {300, 100, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    static final int BATCH = 64, N = BATCH * 5 + 3; // 6 steps an epoch, the last one partial (eager)

    record Result(float[] params, float[] first, float[] second, List<Trainer.EpochResult> epochs, String plans) {}

    /**
     * Floats and one-hot targets, or (bytes) uint8 features with a normalisation and class indices, gathered
     * inside the captured step by Ops.gatherBytes and Ops.gatherOneHot.
     */
    static DeviceData data(CpuOps ops, boolean bytes) {
        Random r = new Random(11);
        if (bytes) {
            byte[] px = new byte[SPEC.inputSize() * N];
            r.nextBytes(px);
            int[] labels = new int[N];
            for (int j = 0; j < N; j++) labels[j] = r.nextInt(SPEC.outputSize());
            float[] shift = new float[SPEC.inputSize()], factor = new float[SPEC.inputSize()];
            for (int i = 0; i < shift.length; i++) {
                shift[i] = 0.5f + 0.01f * (i % 7);
                factor[i] = 2f + 0.1f * (i % 5);
            }
            return DeviceData.upload(
                    ops,
                    SampleStore.uint8(SPEC.inputSize(), px)
                            .withClasses(labels, SPEC.outputSize())
                            .withNormalisation(shift, factor));
        }
        float[] x = new float[SPEC.inputSize() * N], y = new float[SPEC.outputSize() * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int j = 0; j < N; j++) y[j * SPEC.outputSize() + r.nextInt(SPEC.outputSize())] = 1f;
        return DeviceData.upload(ops, x, y, SPEC.inputSize(), SPEC.outputSize(), N);
    }

    static Result train(boolean plans, Optimizer o, String schedule, int threads, boolean bytes) {
        String key = "jbackprop.cpu.plan";
        String before = System.getProperty(key);
        CpuOps made;
        try {
            if (plans) System.clearProperty(key);
            else System.setProperty(key, "false");
            made = new CpuOps(threads);
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
        double eta = o.kind().adaptive() ? 0.003 : 0.05;
        Step.Hyper h = new Step.Hyper(eta, 0, N, o, LearningRateSchedule.parse(schedule, 3));
        Trainer.Config cfg = new Trainer.Config(BATCH, 3, 0, 42, h);
        try (CpuOps ops = made;
                Network net = new Network(ops, SPEC, BATCH, o);
                DeviceData data = data(ops, bytes);
                Trainer trainer = new Trainer(net, data, null, cfg)) {
            net.setParameters(Init.HE.initialise(SPEC.layout(), 3));
            ops.profile(true); // so that ops.plans() shows the plans that ran (timing only)
            List<Trainer.EpochResult> epochs = trainer.run(new Trainer.Listener() {});
            return new Result(net.parameters(), net.velocity(), net.secondMoment(), epochs, ops.plans());
        }
    }

    @ParameterizedTest(name = "{0} {1} on {2} threads, uint8 data: {3}")
    @MethodSource("cases")
    void plannedStepsGiveTheEagerStepsBits(Optimizer o, String schedule, int threads, boolean bytes) {
        Result eager = train(false, o, schedule, threads, bytes);
        Result planned = train(true, o, schedule, threads, bytes);
        assertEquals("", eager.plans(), "-Djbackprop.cpu.plan=false runs no plan");
        assertFalse(planned.plans().isEmpty(), "the captured step ran as a plan");
        assertTrue(planned.plans().contains("(" + o.kind().cliName + ")"), planned.plans());
        if (bytes) assertTrue(planned.plans().contains("gather bytes"), planned.plans());
        assertArrayEquals(eager.params(), planned.params(), "weights");
        assertArrayEquals(eager.first(), planned.first(), "first state");
        assertArrayEquals(eager.second(), planned.second(), "second state");
        assertEquals(eager.epochs().size(), planned.epochs().size());
        for (int e = 0; e < eager.epochs().size(); e++) {
            Trainer.EpochResult a = eager.epochs().get(e), b = planned.epochs().get(e);
            assertEquals(a.loss(), b.loss(), "loss of epoch " + e);
            assertEquals(a.trainAccuracy(), b.trainAccuracy(), "training accuracy of epoch " + e);
            assertEquals(a.learningRate(), b.learningRate(), "learning rate of epoch " + e);
        }
        // the schedule moved the rate, so a plan that froze the step's numbers would have shown
        assertNotEquals(
                eager.epochs().get(0).learningRate(),
                eager.epochs().get(2).learningRate(),
                "the schedule changes the rate");
        assertFalse(Arrays.equals(eager.params(), initial()), "training changed the weights");
    }

    static float[] initial() {
        float[][] p = {null};
        try (CpuOps ops = new CpuOps(1);
                Network net = new Network(ops, SPEC, BATCH, true)) {
            net.setParameters(Init.HE.initialise(SPEC.layout(), 3));
            p[0] = net.parameters();
        }
        return p[0];
    }
}
