package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.reference.ReferenceNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end on the CPU backend: a network learns a problem no linear model can solve (three
 * concentric rings in the plane), and the trainer is deterministic per seed, uses the partial last
 * batch and stops after maxSteps.
 */
class TrainerTest {
    static final int TRAIN = 1003; // not a multiple of BATCH: the last batch of each epoch has 11 samples
    static final int TEST = 500;
    static final double GAP = 0.06;
    static final int BATCH = 32;
    static final int STEPS_PER_EPOCH = (TRAIN + BATCH - 1) / BATCH;

    static CpuOps ops;
    static Rings train;
    static Rings test;

    /** Points in [-1, 1]²: class 0 inside r = 0.5, 1 up to r = 0.85, 2 beyond; a gap of ±GAP around each border. */
    record Rings(float[] x, float[] y, int[] labels) {
        static Rings make(int n, long seed) {
            Random rng = new Random(seed);
            float[] x = new float[2 * n];
            float[] y = new float[3 * n];
            int[] labels = new int[n];
            for (int i = 0; i < n; ) {
                double u = 2 * rng.nextDouble() - 1, v = 2 * rng.nextDouble() - 1;
                double r = Math.hypot(u, v);
                if (Math.abs(r - 0.5) < GAP || Math.abs(r - 0.85) < GAP) continue;
                int c = r < 0.5 ? 0 : r < 0.85 ? 1 : 2;
                x[2 * i] = (float) u;
                x[2 * i + 1] = (float) v;
                y[3 * i + c] = 1f;
                labels[i] = c;
                i++;
            }
            return new Rings(x, y, labels);
        }

        int count() {
            return labels.length;
        }
    }

    record Outcome(float[] params, List<Trainer.EpochResult> epochs, long steps, List<Integer> stepsPerEpoch) {
        Trainer.EpochResult last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    @BeforeAll
    static void setUp() {
        ops = new CpuOps(2);
        train = Rings.make(TRAIN, 1);
        test = Rings.make(TEST, 2);
    }

    @AfterAll
    static void tearDown() {
        ops.close();
    }

    static NetworkSpec deep(Activation hidden) {
        return NetworkSpec.of(new int[] {2, 16, 16, 3}, hidden, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    }

    static Outcome train(NetworkSpec spec, long seed, int epochs, long maxSteps, double eta) {
        return train(spec, seed, seed, epochs, maxSteps, eta);
    }

    /** initSeed draws the weights, seed the order of the samples. */
    static Outcome train(NetworkSpec spec, long initSeed, long seed, int epochs, long maxSteps, double eta) {
        List<Integer> counted = new ArrayList<>();
        try (Network net = new Network(ops, spec, BATCH, true);
                DeviceData tr = DeviceData.upload(ops, train.x, train.y, 2, 3, train.count());
                DeviceData te = DeviceData.upload(ops, test.x, test.y, 2, 3, test.count());
                Trainer t = new Trainer(
                        net,
                        tr,
                        te,
                        new Trainer.Config(
                                BATCH, epochs, maxSteps, seed, new Step.Hyper(eta, 0, 0.9, train.count())))) {
            net.setParameters(Init.recommendedFor(spec.activation(0)).initialise(spec.layout(), initSeed));
            int[] inEpoch = {0};
            List<Trainer.EpochResult> results = t.run(new Trainer.Listener() {
                @Override
                public void epochStart(int epoch, int steps) {
                    assertEquals(STEPS_PER_EPOCH, steps);
                    inEpoch[0] = 0;
                }

                @Override
                public void step(int epoch, int stepInEpoch) {
                    assertEquals(++inEpoch[0], stepInEpoch);
                }

                @Override
                public boolean epochEnd(Trainer.EpochResult r) {
                    counted.add(inEpoch[0]);
                    return true;
                }
            });
            return new Outcome(net.parameters(), results, t.steps(), counted);
        }
    }

    /** Test accuracy recomputed in double precision by the reference network, independent of the engine. */
    static double referenceAccuracy(NetworkSpec spec, float[] params) {
        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        int right = 0;
        for (int i = 0; i < test.count(); i++) {
            double[] out =
                    ref.forward(new double[] {test.x[2 * i], test.x[2 * i + 1]}).output();
            int best = 0;
            for (int c = 1; c < out.length; c++) if (out[c] > out[best]) best = c;
            if (best == test.labels[i]) right++;
        }
        return (double) right / test.count();
    }

    @ParameterizedTest(name = "{0} hidden")
    @ValueSource(strings = {"tanh", "relu"})
    void learnsRingsToNinetyFivePercent(String hidden) {
        NetworkSpec spec = deep(Activation.parse(hidden));
        Outcome o = train(spec, 7, 60, 0, 0.1);
        double acc = referenceAccuracy(spec, o.params);
        assertTrue(acc >= 0.95, hidden + ": test accuracy " + acc + "; per epoch " + o.epochs);
        assertEquals(
                acc, o.last().testAccuracy(), 1.0 / TEST + 1e-12, "the trainer's test accuracy vs the reference's");
        assertTrue(o.last().loss() < o.epochs.get(0).loss());
    }

    /** The control: without a hidden layer the rings cannot be separated, so the accuracy above means something. */
    @Test
    void aLinearModelCannotSolveIt() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {2, 3}, List.of(Activation.SIGMOID), Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        Outcome o = train(spec, 7, 60, 0, 0.1);
        double acc = referenceAccuracy(spec, o.params);
        assertTrue(acc < 0.7, "linear model reached " + acc);
    }

    @Test
    void everyEpochTrainsOnAllSamplesIncludingThePartialBatch() {
        Outcome o = train(deep(Activation.TANH), 3, 2, 0, 0.1);
        assertEquals(List.of(STEPS_PER_EPOCH, STEPS_PER_EPOCH), o.stepsPerEpoch);
        assertEquals(2L * STEPS_PER_EPOCH, o.steps);
        for (Trainer.EpochResult r : o.epochs) {
            assertEquals(
                    TRAIN,
                    r.samplesPerSecond() * r.seconds(),
                    1e-6 * TRAIN,
                    "samples trained on in epoch " + r.epoch());
            // accuracy = right / samples: with 1003 samples (coprime to 992) it is a whole number of 1003rds
            double right = r.trainAccuracy() * TRAIN;
            assertEquals(Math.rint(right), right, 1e-9, "train accuracy " + r.trainAccuracy() + " is not k/" + TRAIN);
        }
        assertTrue(o.epochs.get(0).trainAccuracy() < 1.0);
    }

    @Test
    void sameSeedGivesBitwiseIdenticalParametersOtherSeedsDiffer() {
        NetworkSpec spec = deep(Activation.RELU);
        Outcome a = train(spec, 11, 3, 0, 0.1);
        Outcome b = train(spec, 11, 3, 0, 0.1);
        assertArrayEquals(a.params, b.params);
        assertEquals(a.last().loss(), b.last().loss());
        assertFalse(java.util.Arrays.equals(a.params, train(spec, 12, 3, 0, 0.1).params), "other seed");
        assertFalse(
                java.util.Arrays.equals(a.params, train(spec, 11, 12, 3, 0, 0.1).params),
                "same init, other shuffling seed");
    }

    @Test
    void maxStepsStopsExactly() {
        NetworkSpec spec = deep(Activation.TANH);
        long max = STEPS_PER_EPOCH + 13;
        Outcome o = train(spec, 5, 10, max, 0.1);
        assertEquals(max, o.steps);
        assertEquals(2, o.epochs.size());
        assertEquals(List.of(STEPS_PER_EPOCH, 13), o.stepsPerEpoch);
        assertEquals(max, o.last().steps());
        assertFalse(
                java.util.Arrays.equals(o.params, train(spec, 5, 10, max + 1, 0.1).params),
                "one more step changes the weights");
        assertArrayEquals(
                train(spec, 5, 1, 0, 0.1).params,
                train(spec, 5, 10, STEPS_PER_EPOCH, 0.1).params,
                "a whole epoch of steps is one epoch");
    }
}
