package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping and resuming from a checkpoint file gives the run that never stopped: on the CPU the
 * same weights bit for bit and the same per-epoch metrics, at an epoch boundary and mid-epoch.
 */
public class ResumeTest {
    static final NetworkSpec SPEC =
            NetworkSpec.of(new int[] {12, 16, 5}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    static final int TRAIN = 203; // not a multiple of the batch: the last batch is partial
    static final int BATCH = 16; // 13 steps per epoch
    static final float[][] TRAIN_DATA = synthetic(12, 5, TRAIN, 1);
    static final float[][] TEST_DATA = synthetic(12, 5, 50, 2);

    @TempDir
    Path tmp;

    /** count samples of a learnable problem: {x (features × count), y (classes × count, one-hot)}. */
    public static float[][] synthetic(int features, int classes, int count, long seed) {
        Random r = new Random(seed);
        float[] x = new float[features * count];
        float[] y = new float[classes * count];
        for (int i = 0; i < count; i++) {
            int label = r.nextInt(classes);
            y[i * classes + label] = 1f;
            for (int f = 0; f < features; f++)
                x[i * features + f] = (float) (0.6 * r.nextGaussian() + (f % classes == label ? 1 : 0));
        }
        return new float[][] {x, y};
    }

    static Trainer.Config config(int epochs, long maxSteps) {
        return new Trainer.Config(BATCH, epochs, maxSteps, 42, new Step.Hyper(0.1, 0.5, 0.9, TRAIN));
    }

    /** A network, its data and a trainer on one backend. */
    static final class Run implements AutoCloseable {
        final Network net;
        final DeviceData train;
        final DeviceData test;
        final Trainer trainer;

        Run(Ops ops, NetworkSpec spec, Trainer.Config cfg, float[][] tr, float[][] te) {
            net = new Network(ops, spec, cfg.batch(), cfg.hyper().optimizer());
            net.setParameters(Init.HE.initialise(spec.layout(), 7));
            train = DeviceData.upload(
                    ops, tr[0], tr[1], spec.inputSize(), spec.outputSize(), tr[0].length / spec.inputSize());
            test = te == null
                    ? null
                    : DeviceData.upload(
                            ops, te[0], te[1], spec.inputSize(), spec.outputSize(), te[0].length / spec.inputSize());
            trainer = new Trainer(net, train, test, cfg);
        }

        Run(Ops ops, Trainer.Config cfg) {
            this(ops, SPEC, cfg, TRAIN_DATA, TEST_DATA);
        }

        @Override
        public void close() {
            trainer.close();
            if (test != null) test.close();
            train.close();
            net.close();
        }
    }

    /** Writes a checkpoint file at every step that is a multiple of k; returns the files in order. */
    static Trainer.Listener checkpointEvery(Trainer trainer, int k, Path dir, List<Path> files) {
        return new Trainer.Listener() {
            @Override
            public void step(int epoch, int stepInEpoch) {
                if (trainer.steps() % k == 0) {
                    Path f = dir.resolve(CheckpointDir.fileName(trainer.steps()));
                    try {
                        Checkpoint.write(f, SPEC.layout(), trainer.snapshot(), "{}", null);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    files.add(f);
                }
            }
        };
    }

    static void assertSameEpoch(Trainer.EpochResult want, Trainer.EpochResult got) {
        assertEquals(want.epoch(), got.epoch());
        assertEquals(want.steps(), got.steps(), "steps after epoch " + want.epoch());
        assertEquals(want.loss(), got.loss(), 0.0, "loss of epoch " + want.epoch());
        assertEquals(want.trainAccuracy(), got.trainAccuracy(), 0.0, "train accuracy of epoch " + want.epoch());
        assertEquals(want.testLoss(), got.testLoss(), 0.0, "test loss of epoch " + want.epoch());
        assertEquals(want.testAccuracy(), got.testAccuracy(), 0.0, "test accuracy of epoch " + want.epoch());
    }

    static final Trainer.Listener QUIET = new Trainer.Listener() {};

    @Test
    void resumeAtEpochBoundaryIsBitwiseIdentical() throws Exception {
        try (CpuOps ops = new CpuOps(2)) {
            List<Trainer.EpochResult> straight;
            float[] straightParams;
            float[] straightVelocity;
            float[] afterOne;
            try (Run r = new Run(ops, config(2, 0))) {
                straight = r.trainer.run(QUIET);
                straightParams = r.net.parameters();
                straightVelocity = r.net.velocity();
            }
            Path file = tmp.resolve(CheckpointDir.fileName(13));
            List<Trainer.EpochResult> first;
            try (Run r = new Run(ops, config(1, 0))) {
                first = r.trainer.run(QUIET);
                Checkpoint.write(file, SPEC.layout(), r.trainer.snapshot(), "{}", null);
                afterOne = r.net.parameters();
            }
            assertFalse(Arrays.equals(afterOne, straightParams), "the second epoch must change the weights");
            Checkpoint.Loaded c = Checkpoint.read(file);
            assertEquals(1, c.state().epochsDone());
            assertEquals(0, c.state().stepInEpoch());
            List<Trainer.EpochResult> second;
            try (Run r = new Run(ops, config(2, 0))) {
                r.trainer.restore(c.snapshot());
                second = r.trainer.run(QUIET);
                assertArrayEquals(straightParams, r.net.parameters(), "weights after resuming at the epoch boundary");
                assertArrayEquals(straightVelocity, r.net.velocity(), "momentum after resuming");
            }
            assertEquals(1, first.size());
            assertEquals(1, second.size());
            assertSameEpoch(straight.get(0), first.get(0));
            assertSameEpoch(straight.get(1), second.get(0));
        }
    }

    @Test
    void resumeMidEpochFromEveryCheckpointIsBitwiseIdentical() throws Exception {
        try (CpuOps ops = new CpuOps(2)) {
            List<Trainer.EpochResult> straight;
            float[] straightParams;
            try (Run r = new Run(ops, config(3, 0))) {
                straight = r.trainer.run(QUIET);
                straightParams = r.net.parameters();
            }
            List<Path> files = new ArrayList<>();
            try (Run r = new Run(ops, config(3, 22))) { // stops at step 22: step 9 of epoch 2
                List<Trainer.EpochResult> cut = r.trainer.run(checkpointEvery(r.trainer, 5, tmp, files));
                assertEquals(22, r.trainer.steps());
                assertEquals(2, cut.size(), "epoch 1 and the part of epoch 2");
                assertSameEpoch(straight.get(0), cut.get(0));
            }
            assertEquals(4, files.size(), "checkpoints at steps 5, 10, 15, 20");
            for (Path f : files) {
                Checkpoint.Loaded c = Checkpoint.read(f);
                assertTrue(c.state().stepInEpoch() > 0, "a mid-epoch checkpoint");
                try (Run r = new Run(ops, config(3, 0))) {
                    r.trainer.restore(c.snapshot());
                    List<Trainer.EpochResult> rest = r.trainer.run(QUIET);
                    assertArrayEquals(
                            straightParams, r.net.parameters(), "weights after resuming from " + f.getFileName());
                    int firstEpoch = c.state().epochsDone();
                    assertEquals(3 - firstEpoch, rest.size());
                    for (int i = 0; i < rest.size(); i++) assertSameEpoch(straight.get(firstEpoch + i), rest.get(i));
                }
            }
        }
    }

    @Test
    void aResumedRunCanBeStoppedAndResumedAgain() throws Exception {
        try (CpuOps ops = new CpuOps(2)) {
            float[] straightParams;
            try (Run r = new Run(ops, config(2, 0))) {
                r.trainer.run(QUIET);
                straightParams = r.net.parameters();
            }
            TrainingSnapshot snap = null;
            for (long stop : new long[] {3, 7, 13, 14, 20}) {
                try (Run r = new Run(ops, config(2, stop))) {
                    if (snap != null) r.trainer.restore(snap);
                    r.trainer.run(QUIET);
                    Path f = tmp.resolve("s" + stop + ".safetensors");
                    Checkpoint.write(f, SPEC.layout(), r.trainer.snapshot(), "{}", null);
                    snap = Checkpoint.read(f).snapshot();
                    assertEquals(stop, snap.state().steps());
                }
            }
            try (Run r = new Run(ops, config(2, 0))) {
                r.trainer.restore(snap);
                r.trainer.run(QUIET);
                assertArrayEquals(straightParams, r.net.parameters());
            }
        }
    }

    @Test
    void restoreRejectsAStateThatDoesNotFitTheData() {
        try (CpuOps ops = new CpuOps(1);
                Run r = new Run(ops, config(2, 0))) {
            TrainingSnapshot ok = r.trainer.snapshot();
            TrainingState bad = new TrainingState(1, 3, 99, 5, 0, 0, 0); // 1 epoch of 13 steps + 3 is 16, not 99
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> r.trainer.restore(new TrainingSnapshot(bad, ok.params(), ok.velocity())));
            assertTrue(e.getMessage().contains("13 steps per epoch"), e.getMessage());
        }
    }

    /** On the GPU a resumed run matches the straight one within FP32 tolerance. */
    @Test
    @Tag("gpu")
    void gpuResumeMatchesWithinTolerance() throws Exception {
        String why = (CudaProbe.probe().available() ? null : CudaProbe.probe().reason());
        Assumptions.assumeTrue(why == null, () -> "no GPU: " + why);
        Supplier<Ops> gpu = () -> CudaBackend.open(false, false, false);
        float[] straightParams;
        List<Trainer.EpochResult> straight;
        try (Ops ops = gpu.get();
                Run r = new Run(ops, config(2, 0))) {
            straight = r.trainer.run(QUIET);
            straightParams = r.net.parameters();
        }
        List<Path> files = new ArrayList<>();
        try (Ops ops = gpu.get();
                Run r = new Run(ops, config(2, 19))) {
            r.trainer.run(checkpointEvery(r.trainer, 6, tmp, files));
        }
        assertEquals(3, files.size());
        for (Path f : files) {
            try (Ops ops = gpu.get();
                    Run r = new Run(ops, config(2, 0))) {
                r.trainer.restore(Checkpoint.read(f).snapshot());
                List<Trainer.EpochResult> rest = r.trainer.run(QUIET);
                float[] p = r.net.parameters();
                double worst = 0;
                for (int i = 0; i < p.length; i++)
                    worst = Math.max(worst, Math.abs(p[i] - straightParams[i]) / (1e-3 + Math.abs(straightParams[i])));
                assertTrue(
                        worst < 1e-3, "worst relative difference " + worst + " after resuming from " + f.getFileName());
                Trainer.EpochResult last = rest.get(rest.size() - 1);
                assertEquals(
                        straight.get(1).loss(),
                        last.loss(),
                        1e-4 * Math.abs(straight.get(1).loss()));
                assertEquals(straight.get(1).testAccuracy(), last.testAccuracy(), 0.021);
            }
        }
    }
}
