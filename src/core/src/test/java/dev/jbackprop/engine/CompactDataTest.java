package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.FeatureMatrix;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.data.Split;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Data held once on the backend: a uint8 store is uploaded as bytes (one byte a value) with class indices (four bytes
 * a sample) and no float copy of the features; views of one store (a training set and its validation split) gather
 * what the data package's own gather gives, bit for bit; a set without targets leaves y alone; {@link Predictor}
 * hands over the outputs a forward pass computes and counts what {@link Trainer#evaluate} counts.
 */
class CompactDataTest {
    static final int FEATURES = 23, CLASSES = 4, COUNT = 301;

    static Dataset mnistLike(long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[FEATURES * COUNT];
        r.nextBytes(px);
        int[] labels = new int[COUNT];
        for (int i = 0; i < COUNT; i++) labels[i] = r.nextInt(CLASSES);
        return Dataset.classification(
                FeatureMatrix.wrapUint8(FEATURES, px, List.of()), labels, List.of("a", "b", "c", "d"), "label");
    }

    static SampleStore store(Dataset d) {
        FeatureMatrix x = d.featureMatrix();
        SampleStore s =
                SampleStore.uint8(x.features(), x.uint8Array()).withClasses(d.storedClassIndices(), d.outputs());
        Normalization n = d.normalization();
        return n.kind() == Normalization.Kind.NONE ? s : s.withNormalisation(n.shiftFloats(), n.factorFloats());
    }

    /** Every allocation a backend is asked for, by method and size. */
    static Ops recording(Ops inner, List<String> log) {
        return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (p, m, a) -> {
            if (m.getName().startsWith("allocate") && a != null) log.add(m.getName() + " " + a[0]);
            if (m.getName().equals("loadData")) return new DeviceData.ResidentStore((Ops) p, (SampleStore) a[0]);
            try {
                return m.invoke(inner, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void aUint8StoreIsHeldAsBytesWithClassIndices() {
        Dataset d = mnistLike(1);
        List<String> log = new ArrayList<>();
        try (CpuOps cpu = new CpuOps(1)) {
            Ops ops = recording(cpu, log);
            try (DeviceData.Store s = ops.loadData(store(d))) {
                assertEquals(
                        List.of("allocateBytes " + (long) FEATURES * COUNT, "allocateIndices " + COUNT),
                        log,
                        "the features once as bytes, the targets as one class index a sample; no floats");
                assertEquals((long) FEATURES * COUNT + 4L * COUNT, s.samples().residentBytes());
            }
            log.clear();
            Dataset n = d.withNormalization(Normalization.fit(Normalization.Kind.STANDARD, d));
            try (DeviceData.Store s = ops.loadData(store(n))) {
                assertEquals(
                        List.of(
                                "allocateBytes " + (long) FEATURES * COUNT,
                                "allocate " + 2 * FEATURES,
                                "allocateIndices " + COUNT),
                        log,
                        "normalised: the bytes, a shift and a factor per feature");
            }
        }
    }

    /** A training view and its validation view share one store and gather what Dataset.gatherFeatures gives. */
    @Test
    void viewsOfOneStoreGatherWhatTheDataPackageGathers() {
        Dataset full = mnistLike(2);
        Split split = Split.randomFraction(full, 0.3, 5);
        Normalization n = Normalization.fit(Normalization.Kind.STANDARD, split.train());
        Dataset train = split.train().withNormalization(n),
                val = split.validation().withNormalization(n);
        int batch = 17;
        try (CpuOps ops = new CpuOps(2);
                DeviceData.Store store = ops.loadData(store(train));
                DeviceData tr = DeviceData.of(store, train.storeIndices());
                DeviceData va = DeviceData.of(store, val.storeIndices());
                Block bx = ops.allocate((long) FEATURES * batch);
                Block by = ops.allocate((long) CLASSES * batch)) {
            Mat x = new Mat(bx, FEATURES, batch), y = new Mat(by, CLASSES, batch);
            for (Dataset set : new Dataset[] {train, val}) {
                DeviceData dd = set == train ? tr : va;
                assertEquals(set.count(), dd.count);
                int[] order = new int[set.count()];
                for (int i = 0; i < order.length; i++) order[i] = (i * 7 + 3) % order.length; // 211 and 90: prime to 7
                assertArrayEquals(identity(order.length), sorted(order), "a permutation");
                dd.beginEpoch(order);
                for (int off = 0; off < set.count(); off += batch) {
                    int m = Math.min(batch, set.count() - off);
                    dd.load(off, m, x, y);
                    float[] want = new float[FEATURES * m], wantY = new float[CLASSES * m];
                    set.gatherFeatures(order, off, m, want, 0);
                    set.gatherTargets(order, off, m, wantY, 0);
                    float[] got = new float[FEATURES * m], gotY = new float[CLASSES * m];
                    ops.download(bx, 0, got, 0, got.length);
                    ops.download(by, 0, gotY, 0, gotY.length);
                    assertArrayEquals(bits(want), bits(got), "x at " + off);
                    assertArrayEquals(wantY, gotY, "y at " + off);
                }
            }
        }
    }

    private static int[] sorted(int[] a) {
        int[] s = a.clone();
        java.util.Arrays.sort(s);
        return s;
    }

    private static int[] identity(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) s[i] = i;
        return s;
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    @Test
    void theStoresRuleIsTheDataPackagesRule() {
        Dataset d = mnistLike(3);
        Dataset n = d.withNormalization(Normalization.fit(Normalization.Kind.MINMAX, d));
        SampleStore s = store(n);
        int[] order = {5, 0, 300, 5};
        float[] want = new float[FEATURES * 4], got = new float[FEATURES * 4];
        n.gatherFeatures(order, 0, 4, want, 0);
        s.gatherFeatures(order, 0, 4, FloatBuffer.wrap(got), 0);
        assertArrayEquals(bits(want), bits(got));
        float[] y = new float[CLASSES * 4], wy = new float[CLASSES * 4];
        n.gatherTargets(order, 0, 4, wy, 0);
        s.gatherTargets(order, 0, 4, FloatBuffer.wrap(y), 0);
        assertArrayEquals(wy, y);
        assertThrows(IllegalArgumentException.class, () -> s.withClasses(new int[] {CLASSES}, CLASSES));
        assertThrows(IllegalArgumentException.class, () -> s.withNormalisation(new float[1], new float[1]));
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> s.gatherFeatures(new int[] {COUNT}, 0, 1, FloatBuffer.allocate(99), 0));
        // float data: a backend may hold it normalised; the floats are those of the gather
        float[] raw = {1, 2, 3, 4, 5, 6};
        SampleStore f = SampleStore.float32(3, raw).withNormalisation(new float[] {1, 2, 3}, new float[] {0.5f, 2, 3});
        float[] part = new float[4];
        f.normalisedFloats(1, 4, part);
        assertArrayEquals(new float[] {(2 - 2) * 2f, (3 - 3) * 3f, (4 - 1) * 0.5f, (5 - 2) * 2f}, part);
    }

    /** A set without targets (inputs to predict on) loads x and leaves y alone. */
    @Test
    void aSetWithoutTargetsLeavesY() {
        Dataset d = mnistLike(4);
        SampleStore noTargets = SampleStore.uint8(FEATURES, d.featureMatrix().uint8Array());
        assertEquals(0, noTargets.outputs());
        try (CpuOps ops = new CpuOps(1);
                DeviceData dd = DeviceData.upload(ops, noTargets);
                Block bx = ops.allocate(FEATURES * 3L);
                Block by = ops.allocate(CLASSES * 3L)) {
            ops.fill(by, 7f);
            dd.beginEpoch(identity(COUNT));
            dd.load(0, 3, new Mat(bx, FEATURES, 3), new Mat(by, CLASSES, 3));
            float[] y = new float[CLASSES * 3];
            ops.download(by, 0, y, 0, y.length);
            for (float v : y) assertEquals(7f, v);
        }
    }

    /** The outputs Predictor hands over are the forward pass's, batch by batch; its metrics are Trainer.evaluate's. */
    @Test
    void predictorHandsOverTheForwardPassesOutputs() {
        Dataset d = mnistLike(5);
        NetworkSpec spec = NetworkSpec.of(new int[] {FEATURES, 9, CLASSES}, Activation.TANH, null, Cost.CROSS_ENTROPY);
        float[] params = Init.XAVIER.initialise(spec.layout(), 3);
        try (CpuOps ops = new CpuOps(1);
                Network net = new Network(ops, spec, 64, false);
                Network one = new Network(ops, spec, 1, false);
                DeviceData data = DeviceData.upload(ops, store(d));
                Metrics metrics = ops.allocateMetrics();
                Metrics other = ops.allocateMetrics()) {
            net.setParameters(params);
            one.setParameters(params);
            float[] all = new float[CLASSES * COUNT];
            int[] seen = {0};
            Trainer.Evaluation ev = Predictor.run(net, data, metrics, (offset, m, out) -> {
                assertEquals(seen[0], offset);
                assertTrue(m <= 64 && m > 0);
                System.arraycopy(out, 0, all, offset * CLASSES, m * CLASSES);
                seen[0] += m;
            });
            assertEquals(COUNT, seen[0]);
            Trainer.Evaluation want = Trainer.evaluate(net, data, other);
            assertEquals(want, ev);
            float[] single = new float[CLASSES];
            for (int i : new int[] {0, 63, 64, 300}) { // one sample at a time: the same outputs
                Predictor.run(one, data, null, (offset, m, out) -> {
                    if (offset == i) System.arraycopy(out, 0, single, 0, CLASSES);
                });
                for (int k = 0; k < CLASSES; k++) assertEquals(single[k], all[i * CLASSES + k], 1e-6f);
            }
            assertNull(Predictor.run(net, data, null, (o, m, out) -> {}));
        }
    }
}
