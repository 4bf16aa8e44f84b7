package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.TrainingSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence guard beyond NaN: a cost that explodes while staying finite (linear regression at too high a
 * learning rate, whose error grows geometrically) stops training once it is more than the divergence factor times
 * its reference, on the CPU at the step it happens, on a device backend at the end of the epoch; factor 0 leaves
 * only the NaN guard; the reference survives a checkpoint, so a resumed run is guarded as the run that never
 * stopped; healthy runs stay far below the default factor.
 */
class DivergenceFactorTest {
    static final NetworkSpec LINEAR = NetworkSpec.of(new int[] {12, 5}, List.of(), Activation.IDENTITY, Cost.QUADRATIC);

    @TempDir
    Path tmp;

    static Trainer.Config config(double eta, int epochs, double factor) {
        return new Trainer.Config(
                ResumeTest.BATCH, epochs, 0, 42, new Step.Hyper(eta, 0, 0, ResumeTest.TRAIN), true, factor);
    }

    static ResumeTest.Run linear(Ops ops, Trainer.Config cfg) {
        return new ResumeTest.Run(ops, LINEAR, cfg, ResumeTest.TRAIN_DATA, ResumeTest.TEST_DATA);
    }

    /** The steps run and the epoch results until the trainer stops or throws. */
    static final class Record implements Trainer.Listener {
        final List<Integer> steps = new ArrayList<>();
        final List<Trainer.EpochResult> epochs = new ArrayList<>();

        @Override
        public void step(int epoch, int stepInEpoch) {
            steps.add(stepInEpoch);
        }

        @Override
        public boolean epochEnd(Trainer.EpochResult r) {
            epochs.add(r);
            return true;
        }
    }

    @Test
    void anExplodingButFiniteCostStopsWithinStepsOnTheCpu() {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = linear(ops, config(3.0, 50, Trainer.DEFAULT_DIVERGENCE_FACTOR))) {
            Record rec = new Record();
            DivergedException d = assertThrows(DivergedException.class, () -> r.trainer.run(rec));
            String m = d.getMessage();
            assertTrue(m.contains("the epoch's mean cost per sample so far rose to"), m);
            assertTrue(m.contains("more than 1000 × its reference"), m);
            assertTrue(m.contains("divergenceFactor sets the factor, 0 turns this check off)"), m);
            assertTrue(m.contains("try a smaller eta (now 3.0)"), m);
            assertEquals(
                    List.of(Setting.DIVERGENCE_FACTOR, Setting.ETA), d.wording().settings(), "the message names them");
            assertEquals(0, d.layer, "the parameters are still finite: " + m);
            assertEquals(rec.steps.size() + 1, d.step, "no step runs after the one that crossed the bound");
            assertTrue(d.step < r.trainer.stepsPerEpoch() * 2L, "caught early: step " + d.step);
            r.trainer.checkParameters(); // finite: this is not the NaN guard
            assertTrue(Double.isFinite(r.trainer.lossReference()) && r.trainer.lossReference() > 0);

            // without the factor, the same run goes on until its cost is NaN or infinite
            try (ResumeTest.Run off = linear(ops, config(3.0, 50, 0))) {
                Record rec0 = new Record();
                DivergedException nan = assertThrows(DivergedException.class, () -> off.trainer.run(rec0));
                assertTrue(nan.getMessage().contains("NaN or infinite"), nan.getMessage());
                assertTrue(
                        nan.step > d.step + 5, "factor 0 stops at step " + nan.step + ", the factor at step " + d.step);
            }
        }
    }

    /** On a device backend the cost is read at the end of each epoch only: the explosion is caught there. */
    @Test
    void onADeviceBackendItIsCaughtAtTheEndOfTheEpoch() {
        try (DivergenceGuardTest.CountingOps ops = new DivergenceGuardTest.CountingOps(new CpuOps(1));
                ResumeTest.Run r = linear(ops, config(1.2, 50, 10))) {
            Record rec = new Record();
            DivergedException d = assertThrows(DivergedException.class, () -> r.trainer.run(rec));
            assertTrue(d.getMessage().contains("the epoch's mean cost per sample rose to"), d.getMessage());
            assertTrue(d.getMessage().contains("× its reference"), d.getMessage());
            assertEquals(0, d.step % r.trainer.stepsPerEpoch(), "at an epoch's end: step " + d.step);
            assertTrue(d.epoch >= 2, "the first epoch is the reference");
            assertEquals(d.epoch - 1, rec.epochs.size());
        }
    }

    /** A healthy run (the resume tests' network, learning well) never comes near: not even at factor 3. */
    @Test
    void aHealthyRunStaysFarBelow() {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = new ResumeTest.Run(
                        ops,
                        new Trainer.Config(
                                ResumeTest.BATCH,
                                30,
                                0,
                                42,
                                new Step.Hyper(0.1, 0.5, 0.9, ResumeTest.TRAIN),
                                true,
                                3))) {
            Record rec = new Record();
            r.trainer.run(rec);
            assertEquals(30, rec.epochs.size());
            assertTrue(rec.epochs.get(29).loss() < rec.epochs.get(0).loss(), "it learns");
        }
    }

    @Test
    void theReferenceIsCheckpointedAndRestored() throws Exception {
        Trainer.Config cfg = config(0.01, 3, Trainer.DEFAULT_DIVERGENCE_FACTOR);
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run a = linear(ops, cfg);
                ResumeTest.Run b = linear(ops, cfg)) {
            a.trainer.run(new Trainer.Listener() {
                @Override
                public void step(int epoch, int stepInEpoch) {
                    if (stepInEpoch == 5) a.trainer.requestStop();
                }
            });
            assertTrue(a.trainer.stopped());
            TrainingSnapshot snap = a.trainer.snapshot();
            double ref = snap.state().lossReference();
            assertTrue(ref > 0 && Double.isFinite(ref), "the first step's cost: " + ref);
            Path f = tmp.resolve("ckpt-000000005.safetensors");
            Checkpoint.write(f, LINEAR.layout(), snap, "{}", null);
            Checkpoint.Loaded back = Checkpoint.read(f);
            assertEquals(ref, back.state().lossReference(), 0.0, "bit for bit through the file");
            b.trainer.restore(back.snapshot());
            assertEquals(ref, b.trainer.lossReference(), 0.0);
            b.trainer.run(new Trainer.Listener() {});
            a.trainer.run(new Trainer.Listener() {});
            assertEquals(a.trainer.lossReference(), b.trainer.lossReference(), 0.0, "then the first epoch's, alike");
            assertFalse(a.trainer.stopped());
        }
    }

    @Test
    void requestStopEndsTheRunAfterTheStepUnderWay() {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = linear(ops, config(0.01, 5, 0))) {
            Record rec = new Record();
            r.trainer.run(new Trainer.Listener() {
                @Override
                public void step(int epoch, int stepInEpoch) {
                    rec.step(epoch, stepInEpoch);
                    if (epoch == 2 && stepInEpoch == 3) r.trainer.requestStop();
                }

                @Override
                public boolean epochEnd(Trainer.EpochResult e) {
                    return rec.epochEnd(e);
                }
            });
            assertTrue(r.trainer.stopped());
            assertEquals(r.trainer.stepsPerEpoch() + 3, r.trainer.steps(), "stopped after the step under way");
            assertEquals(1, rec.epochs.size(), "epoch 2 did not end");
            assertEquals(3, r.trainer.state().stepInEpoch());
        }
    }

    @Test
    void theFactorMustBeZeroOrAboveOne() {
        for (double bad : new double[] {-1, 0.5, 1, Double.NaN, Double.POSITIVE_INFINITY}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> config(0.1, 1, bad));
            assertEquals(Setting.DIVERGENCE_FACTOR, e.setting());
        }
        config(0.1, 1, 0);
        config(0.1, 1, 1.5);
    }
}
