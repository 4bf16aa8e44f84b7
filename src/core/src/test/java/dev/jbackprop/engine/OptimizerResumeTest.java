package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimiser with a schedule resumes bit for bit on the CPU: checkpoints written every 5 steps of a run (mid
 * epoch, during the warm-up and after it) hold the optimiser's state under PyTorch's names, and the run resumed
 * from each ends with the weights, state, metrics and learning rates of the run that never stopped.
 */
class OptimizerResumeTest {
    @TempDir
    Path tmp;

    static Stream<Optimizer> optimizers() {
        return Stream.of(
                Optimizer.adam(0.9, 0.999, 1e-8, 1e-4),
                Optimizer.adamw(0.9, 0.999, 1e-8, 0.01),
                Optimizer.nesterov(0.9, 1e-4),
                Optimizer.sgd(0.9));
    }

    static Trainer.Config config(Optimizer o) {
        double eta = o.kind().adaptive() ? 0.01 : 0.1;
        Step.Hyper h = new Step.Hyper(
                eta,
                0,
                ResumeTest.TRAIN,
                o,
                LearningRateSchedule.parse(o.kind() == Optimizer.Kind.SGD ? "step:1e:0.5" : "cosine", 6));
        return new Trainer.Config(ResumeTest.BATCH, 3, 0, 42, h);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void resumesBitForBitFromEveryCheckpoint(Optimizer o) throws Exception {
        try (CpuOps ops = new CpuOps(2)) {
            List<Path> files = new ArrayList<>();
            List<Trainer.EpochResult> straight;
            float[] params, first, second;
            try (ResumeTest.Run r = new ResumeTest.Run(ops, config(o))) {
                straight = r.trainer.run(ResumeTest.checkpointEvery(r.trainer, 5, tmp, files));
                params = r.net.parameters();
                first = r.net.velocity();
                second = r.net.secondMoment();
            }
            assertEquals(7, files.size(), "checkpoints at steps 5 … 35 of 39");
            for (Path f : files) {
                Checkpoint.Loaded c = Checkpoint.read(f);
                Map<String, ?> tensors = dev.jbackprop.io.SafeTensors.readTensors(f);
                if (o.kind().adaptive()) {
                    assertNotNull(
                            tensors.get("exp_avg.layers.0.weight"),
                            tensors.keySet().toString());
                    assertNotNull(
                            tensors.get("exp_avg_sq.layers.1.bias"),
                            tensors.keySet().toString());
                    assertNotNull(c.snapshot().secondMoment());
                } else {
                    assertNotNull(
                            tensors.get("momentum_buffer.layers.0.weight"),
                            tensors.keySet().toString());
                    assertNull(c.snapshot().secondMoment());
                }
                try (ResumeTest.Run r = new ResumeTest.Run(ops, config(o))) {
                    r.trainer.restore(c.snapshot());
                    assertEquals(r.trainer.rate(c.state().steps()), r.trainer.lastRate());
                    List<Trainer.EpochResult> rest = r.trainer.run(ResumeTest.QUIET);
                    String from = " after resuming from " + f.getFileName();
                    assertArrayEquals(params, r.net.parameters(), "weights" + from);
                    assertArrayEquals(first, r.net.velocity(), "first state" + from);
                    assertArrayEquals(second, r.net.secondMoment(), "second state" + from);
                    int done = c.state().epochsDone();
                    for (int i = 0; i < rest.size(); i++) {
                        ResumeTest.assertSameEpoch(straight.get(done + i), rest.get(i));
                        assertEquals(
                                straight.get(done + i).learningRate(),
                                rest.get(i).learningRate());
                    }
                }
            }
        }
    }

    /** The epoch's learning rate is its last step's, and the schedule moved it (warm-up, then cosine). */
    @Test
    void epochsRecordTheRateOfTheirLastStep() {
        try (CpuOps ops = new CpuOps(2);
                ResumeTest.Run r = new ResumeTest.Run(ops, config(Optimizer.adam(0.9, 0.999, 1e-8, 0)))) {
            List<Trainer.EpochResult> res = r.trainer.run(ResumeTest.QUIET);
            assertEquals(3, res.size());
            for (Trainer.EpochResult e : res) assertEquals(r.trainer.rate(e.steps()), e.learningRate());
            // 13 steps an epoch, 39 in all: warm-up to 0.01 over 6 steps, then cosine over 33
            assertEquals(0.01 * (1 + Math.cos(Math.PI * 6 / 33)) / 2, res.get(0).learningRate(), 1e-15);
            assertFalse(res.get(1).learningRate() == res.get(2).learningRate());
        }
    }
}
