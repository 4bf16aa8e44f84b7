package dev.jbackprop.cli;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.FeatureMatrix;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.data.Task;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.SampleStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Data sets on a backend, each source held there once: the views of one source with one normalisation (a training
 * set and its validation split) share one {@link DeviceData.Store}; uint8 features stay bytes, targets are class
 * indices or floats. Closing it frees every view and store.
 */
final class BackendData implements AutoCloseable {
    private record Loaded(FeatureMatrix x, Normalization n, DeviceData.Store store) {}

    private final Ops ops;
    private final List<Loaded> stores = new ArrayList<>();
    private final List<DeviceData> views = new ArrayList<>();

    BackendData(Ops ops) {
        this.ops = ops;
    }

    /** {@code d} on the backend (null for null; a set of no samples gives null too). */
    DeviceData of(Dataset d) {
        if (d == null || d.count() == 0) return null;
        DeviceData.Store store = storeOf(d);
        DeviceData v = d.coversStore() ? DeviceData.of(store) : DeviceData.of(store, d.storeIndices());
        views.add(v);
        return v;
    }

    private DeviceData.Store storeOf(Dataset d) {
        for (Loaded l : stores) if (l.x == d.featureMatrix() && l.n == d.normalization()) return l.store;
        DeviceData.Store store = ops.loadData(samples(d));
        stores.add(new Loaded(d.featureMatrix(), d.normalization(), store));
        return store;
    }

    /** The store under {@code d} (all of its source's samples) as the engine takes it. */
    static SampleStore samples(Dataset d) {
        FeatureMatrix x = d.featureMatrix();
        SampleStore s = x.type() == FeatureMatrix.Type.UINT8
                ? SampleStore.uint8(x.features(), x.uint8Array())
                : SampleStore.float32(x.features(), x.float32Array());
        Normalization n = d.normalization();
        if (n.kind() != Normalization.Kind.NONE) s = s.withNormalisation(n.shiftFloats(), n.factorFloats());
        if (d.task() == Task.CLASSIFICATION) s = s.withClasses(d.storedClassIndices(), d.outputs());
        else if (d.task() == Task.REGRESSION) s = s.withTargets(d.storedTargets(), d.outputs());
        return s;
    }

    /** "resident" or how the first store streams (for logs). */
    String describe() {
        return stores.isEmpty() ? "none" : stores.get(0).store.describe();
    }

    @Override
    public void close() {
        for (DeviceData v : views) v.close();
        for (Loaded l : stores) l.store.close();
        views.clear();
        stores.clear();
    }
}
