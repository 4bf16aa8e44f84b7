package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Setting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN or infinity in the cost or a parameter stops training with where, which layer and what to try. */
class DivergenceGuardTest {
    @TempDir
    Path tmp;

    static Trainer.Config config(double eta, int epochs) {
        return new Trainer.Config(ResumeTest.BATCH, epochs, 0, 42, new Step.Hyper(eta, 0, 0.9, ResumeTest.TRAIN));
    }

    /** Sets one parameter of the network on the backend. */
    static void plant(Network net, long index, float value) {
        net.ops.upload(new float[] {value}, 0, net.params, index, 1);
    }

    @Test
    void aHugeLearningRateStopsTrainingAtTheStepWithAdvice() {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = new ResumeTest.Run(ops, config(1e20, 5))) {
            List<Integer> steps = new ArrayList<>();
            DivergedException d = assertThrows(
                    DivergedException.class,
                    () -> r.trainer.run(new Trainer.Listener() {
                        @Override
                        public void step(int epoch, int stepInEpoch) {
                            steps.add(stepInEpoch);
                        }
                    }));
            // on the CPU the cost is checked after every step: training stops at the step it went bad
            assertEquals(r.trainer.steps(), d.step);
            assertEquals(steps.size() + 1, d.step, "no step runs after the bad one");
            assertEquals(1, d.epoch);
            String m = d.getMessage();
            assertTrue(
                    m.startsWith("in epoch 1 at step " + d.step + " (step " + d.step
                            + " of the epoch): the cost became NaN or infinite"),
                    m);
            assertTrue(m.contains("try a smaller eta (now 1.0E20)") && m.contains("less momentum (now 0.9)"), m);
            assertEquals(List.of(Setting.ETA, Setting.MOMENTUM), d.wording().settings(), "the advice names settings");
            assertFalse(m.contains("--"), "the library speaks of the API, not of flags: " + m);
            assertTrue(d.layer > 0, m);
            assertTrue(m.contains("of layer " + d.layer + " of 2 (tensor layers." + (d.layer - 1) + "."), m);
        }
    }

    @Test
    void namesTheLayerWhoseParametersWentNonFinite() {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = new ResumeTest.Run(ops, config(0.1, 1))) {
            plant(r.net, r.net.layout.b(1, 2), Float.POSITIVE_INFINITY);
            DivergedException d = assertThrows(DivergedException.class, r.trainer::checkParameters);
            assertEquals(2, d.layer);
            assertTrue(d.getMessage().startsWith("after epoch 0 (step 0): "), d.getMessage());
            assertTrue(
                    d.getMessage().contains("the biases of layer 2 of 2 (tensor layers.1.bias) hold NaN or infinity"),
                    d.getMessage());
            assertThrows(DivergedException.class, r.trainer::snapshot, "no snapshot of a diverged network");

            plant(r.net, r.net.layout.b(1, 2), 0f);
            plant(r.net, r.net.layout.w(0, 3, 1), Float.NaN);
            d = assertThrows(DivergedException.class, r.trainer::checkParameters);
            assertEquals(1, d.layer);
            assertTrue(d.getMessage().contains("the weights of layer 1 of 2 (tensor layers.0.weight)"), d.getMessage());
        }
    }

    /**
     * On a device backend (hostMemory false) a NaN planted mid-epoch is caught at the end of the epoch,
     * where the metrics are read, with its layer named; the cost and parameter checks run once per
     * epoch, not per step.
     */
    @Test
    void deviceBackendsCheckAtMetricReadPointsOnly() {
        try (CountingOps ops = new CountingOps(new CpuOps(1));
                ResumeTest.Run r = new ResumeTest.Run(ops, config(0.05, 3))) {
            List<Trainer.EpochResult> ok = new ArrayList<>();
            Trainer.Listener listener = new Trainer.Listener() {
                @Override
                public void step(int epoch, int stepInEpoch) {
                    if (epoch == 2 && stepInEpoch == 4) plant(r.net, r.net.layout.w(0, 0, 0), Float.NaN);
                }

                @Override
                public boolean epochEnd(Trainer.EpochResult e) {
                    ok.add(e);
                    return true;
                }
            };
            DivergedException d = assertThrows(DivergedException.class, () -> r.trainer.run(listener));
            assertEquals(1, ok.size(), "epoch 1 ends normally");
            assertEquals(2, d.epoch);
            assertEquals(26, d.step, "caught at the end of epoch 2, where the metrics are read");
            assertEquals(1, d.layer, d.getMessage());
            assertEquals(2, ops.sumSquaresCalls, "one parameter check per epoch");
            // per epoch: the training metrics once, the test set's once; and once after the run's first step (the
            // divergence guard's reference cost)
            assertEquals(4, ops.metricReads, "metrics read once per epoch, the evaluation, and the first step's");
        }
    }

    /** A delegating backend that claims device memory and counts synchronising reads. */
    static final class CountingOps extends ForwardingOps {
        int sumSquaresCalls;
        int metricReads;

        CountingOps(Ops inner) {
            super(inner);
        }

        final class CountingMetrics implements Metrics {
            final Metrics m = inner.allocateMetrics();

            @Override
            public void reset() {
                m.reset();
            }

            @Override
            public void read(double[] out) {
                metricReads++;
                m.read(out);
            }

            @Override
            public void close() {
                m.close();
            }
        }

        static Metrics unwrap(Metrics m) {
            return m instanceof CountingOps.CountingMetrics c ? c.m : m;
        }

        @Override
        public boolean hostMemory() {
            return false;
        }

        @Override
        public Metrics allocateMetrics() {
            return new CountingMetrics();
        }

        @Override
        public void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
            inner.outputError(cost, out, z, a, y, delta, m, unwrap(metrics));
        }

        @Override
        public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
            sumSquaresCalls++;
            inner.sumSquares(block, offsets, lengths, out);
        }
    }
}
