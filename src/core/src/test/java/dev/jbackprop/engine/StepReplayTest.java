package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The replayed step (Ops.capture + DeviceData.prepare / loadPrepared) against the eager one on the
 * CPU: the same weights bit for bit after whole epochs with a partial last batch, the replay used
 * for exactly the full-size steps, and eager steps for sources that cannot be captured.
 */
class StepReplayTest {
    static final int EPOCHS = 2; // 203 samples, batch 16: 12 full steps and one of 11 per epoch

    /** CpuOps whose capture counts the replay's runs (and creations) and otherwise runs the body. */
    static Ops counting(Ops inner, AtomicInteger runs, AtomicInteger captures) {
        return (Ops) Proxy.newProxyInstance(
                Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (proxy, method, args) -> {
                    if (method.getName().equals("capture")) {
                        captures.incrementAndGet();
                        Runnable body = (Runnable) args[0];
                        return (StepReplay) () -> {
                            runs.incrementAndGet();
                            body.run();
                        };
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static float[][] train(Ops ops, boolean graphs, boolean[] replaying) {
        Trainer.Config cfg = new Trainer.Config(
                ResumeTest.BATCH, EPOCHS, 0, 42, new Step.Hyper(0.1, 0.5, 0.9, ResumeTest.TRAIN), graphs);
        try (ResumeTest.Run r = new ResumeTest.Run(ops, cfg)) {
            replaying[0] = r.trainer.replaying();
            List<Trainer.EpochResult> res = r.trainer.run(new Trainer.Listener() {});
            assertEquals(EPOCHS, res.size());
            return new float[][] {
                r.net.parameters(),
                r.net.velocity(),
                {(float) res.get(EPOCHS - 1).loss()}
            };
        }
    }

    @Test
    void replayedStepsGiveTheEagerWeightsBitwise() {
        AtomicInteger runs = new AtomicInteger(), captures = new AtomicInteger();
        boolean[] eagerReplaying = new boolean[1], graphReplaying = new boolean[1];
        try (CpuOps cpu = new CpuOps(2)) {
            float[][] eager = train(cpu, false, eagerReplaying);
            float[][] graph = train(counting(cpu, runs, captures), true, graphReplaying);
            assertFalse(eagerReplaying[0], "graphs off: no replay");
            assertTrue(graphReplaying[0], "graphs on with resident data: replay");
            assertEquals(1, captures.get(), "one capture per trainer");
            int full = ResumeTest.TRAIN / ResumeTest.BATCH;
            assertEquals(EPOCHS * full, runs.get(), "the replay runs the full-size steps only");
            assertArrayEquals(eager[0], graph[0], "parameters");
            assertArrayEquals(eager[1], graph[1], "momentum");
            assertArrayEquals(eager[2], graph[2], "last epoch's loss");
        }
    }

    @Test
    void graphsOffNeverCaptures() {
        AtomicInteger runs = new AtomicInteger(), captures = new AtomicInteger();
        try (CpuOps cpu = new CpuOps(1)) {
            train(counting(cpu, runs, captures), false, new boolean[1]);
            assertEquals(0, captures.get());
            assertEquals(0, runs.get());
        }
    }

    @Test
    void preparedLoadGathersTheOrdersColumns() {
        int features = 3, classes = 2, count = 7;
        float[] x = new float[features * count], y = new float[classes * count];
        for (int i = 0; i < x.length; i++) x[i] = i;
        for (int i = 0; i < y.length; i++) y[i] = -i;
        int[] order = {6, 2, 0, 5, 1, 3, 4};
        try (CpuOps ops = new CpuOps(1);
                DeviceData d = DeviceData.upload(ops, x, y, features, classes, count);
                Block bx = ops.allocate(features * 4L);
                Block by = ops.allocate(classes * 4L)) {
            assertTrue(d.capturable());
            d.beginEpoch(order);
            Mat mx = new Mat(bx, features, 4), my = new Mat(by, classes, 4);
            for (int off = 0; off < count; off += 4) {
                int m = Math.min(4, count - off);
                d.prepare(off, m);
                d.loadPrepared(m, mx, my);
                float[] gx = new float[features * m], gy = new float[classes * m];
                ops.download(bx, 0, gx, 0, gx.length);
                ops.download(by, 0, gy, 0, gy.length);
                for (int j = 0; j < m; j++) {
                    for (int f = 0; f < features; f++)
                        assertEquals(
                                x[order[off + j] * features + f],
                                gx[j * features + f],
                                "x of column " + j + " at " + off);
                    for (int c = 0; c < classes; c++)
                        assertEquals(
                                y[order[off + j] * classes + c],
                                gy[j * classes + c],
                                "y of column " + j + " at " + off);
                }
            }
            d.prepare(0, 2);
            assertThrows(IllegalStateException.class, () -> d.loadPrepared(3, mx, my), "more samples than prepared");
            assertThrows(IllegalArgumentException.class, () -> d.prepare(5, 3), "past the end");
        }
    }

    @Test
    void uncapturableSourceTrainsEagerly() {
        AtomicInteger runs = new AtomicInteger(), captures = new AtomicInteger();
        Ops cpu = new CpuOps(1);
        Ops ops = counting(cpu, runs, captures);
        float[][] tr = ResumeTest.TRAIN_DATA;
        var spec = ResumeTest.SPEC;
        int n = ResumeTest.TRAIN;
        DeviceData.Store store =
                ops.loadData(SampleStore.float32(spec.inputSize(), tr[0]).withTargets(tr[1], spec.outputSize()));
        DeviceData.Source inner = store.open(n);
        DeviceData.Source streamed = new DeviceData.Source() { // like StreamedData: load only
                    @Override
                    public void beginEpoch(int[] order) {
                        inner.beginEpoch(order);
                    }

                    @Override
                    public void load(int offset, int m, Mat x, Mat y) {
                        inner.load(offset, m, x, y);
                    }

                    @Override
                    public String describe() {
                        return "streamed";
                    }

                    @Override
                    public void close() {
                        inner.close();
                        store.close();
                    }
                };
        Trainer.Config cfg = new Trainer.Config(ResumeTest.BATCH, 1, 0, 42, new Step.Hyper(0.1, 0.5, 0.9, n), true);
        try (cpu;
                Network net = new Network(ops, spec, ResumeTest.BATCH, true);
                DeviceData data = new DeviceData(streamed, spec.inputSize(), spec.outputSize(), n);
                Trainer t = new Trainer(net, data, null, cfg)) {
            net.setParameters(dev.jbackprop.model.Init.HE.initialise(spec.layout(), 7));
            assertFalse(data.capturable());
            assertFalse(t.replaying());
            assertThrows(UnsupportedOperationException.class, () -> data.prepare(0, 1));
            t.run(new Trainer.Listener() {});
            assertEquals(0, captures.get());
            assertEquals(0, runs.get());
            assertEquals(13, t.steps());
        }
    }
}
