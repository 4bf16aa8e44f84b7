package dev.jbackprop.engine;

/**
 * A data set made ready for batches on a backend: the samples of a {@link Store} (a {@link
 * SampleStore} loaded once by {@link Ops#loadData}), all of them or a view (a list of stored samples:
 * a training set and its validation split share one store). Where the store fits, it is held once on
 * the backend, uint8 features as bytes, and each batch is gathered there from a device-side index list
 * ({@link ResidentStore}): x (features × m) decoded and normalised, y (outputs × m) one-hot from the
 * class indices or the regression targets. A backend may instead stream batches when the store does
 * not fit (the GPU backend, from pinned host memory).
 *
 * <p>Per epoch: {@link #beginEpoch} with the epoch's sample order, then {@link #load} for each
 * batch in turn. A {@link #capturable()} source also splits a load in two: {@link #prepare} (the
 * batch's indices into a fixed buffer, outside a captured step) and {@link #loadPrepared} (the
 * gathers from that buffer, inside it), so a replayed step never depends on the batch's offset.
 * A set without targets (inputs to predict on) loads x only; y is left as it is.
 */
public final class DeviceData implements AutoCloseable {

    /** How a backend delivers batches; the orders it is given hold stored samples. */
    public interface Source extends AutoCloseable {
        /** The order in which samples are drawn until the next call (stored samples; at most the source's count). */
        void beginEpoch(int[] order);

        /** Writes samples order[offset … offset+m) into the first m columns of x and y. */
        void load(int offset, int m, Mat x, Mat y);

        /** A line for logs: "resident" or how it streams. */
        String describe();

        /** True when {@link #prepare} + {@link #loadPrepared} work and loadPrepared does no host work (may be captured). */
        default boolean capturable() {
            return false;
        }

        /** Copies the indices order[offset … offset+m) into the source's fixed batch buffer. */
        default void prepare(int offset, int m) {
            throw new UnsupportedOperationException(describe() + " data cannot be prepared for a captured step");
        }

        /** Writes the m prepared samples into the first m columns of x and y. */
        default void loadPrepared(int m, Mat x, Mat y) {
            throw new UnsupportedOperationException(describe() + " data cannot be prepared for a captured step");
        }

        @Override
        void close();
    }

    /** A store's samples on a backend, loaded once and read by any number of views. */
    public interface Store extends AutoCloseable {
        /** The samples as the host holds them. */
        SampleStore samples();

        /** A new source over the store for a view of {@code count} samples, with its own index buffers. */
        Source open(int count);

        /** "resident" or how it streams. */
        String describe();

        /** Frees what the store holds on the backend (after the views' sources are closed). */
        @Override
        void close();
    }

    public final int features;
    /** Outputs per sample (classes or regression targets); 0 for a set without targets. */
    public final int classes;

    public final int count;
    private final Source source;
    private final int[] rows; // the view's stored samples, or null: all of them in order
    private final int[] mapped; // an epoch's order as stored samples (views only)
    private final Store owned; // closed with this set, or null

    public DeviceData(Source source, int features, int classes, int count) {
        this(source, features, classes, count, null, null);
    }

    private DeviceData(Source source, int features, int classes, int count, int[] rows, Store owned) {
        this.source = source;
        this.features = features;
        this.classes = classes;
        this.count = count;
        this.rows = rows;
        this.mapped = rows == null ? null : new int[rows.length];
        this.owned = owned;
    }

    /** All samples of {@code store}, in stored order (the store stays open when this closes). */
    public static DeviceData of(Store store) {
        SampleStore s = store.samples();
        return new DeviceData(store.open(s.count()), s.features(), s.outputs(), s.count(), null, null);
    }

    /**
     * The view of {@code store} whose sample i is stored sample {@code rows[i]} (the store stays open when
     * this closes; the array is copied).
     *
     * @throws IllegalArgumentException for a stored sample outside the store
     */
    public static DeviceData of(Store store, int[] rows) {
        SampleStore s = store.samples();
        for (int r : rows) {
            if (r < 0 || r >= s.count())
                throw new IllegalArgumentException("stored sample " + r + " of a store of " + s.count());
        }
        return new DeviceData(store.open(rows.length), s.features(), s.outputs(), rows.length, rows.clone(), null);
    }

    /** Loads {@code samples} on the backend and makes all of them ready; closing the set frees the store. */
    public static DeviceData upload(Ops ops, SampleStore samples) {
        Store store = ops.loadData(samples);
        try {
            return new DeviceData(
                    store.open(samples.count()), samples.features(), samples.outputs(), samples.count(), null, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Makes count samples ready on the backend: x (features × count) and y (classes × count), column-major,
     * y taken as given (float targets).
     */
    public static DeviceData upload(Ops ops, float[] x, float[] y, int features, int classes, int count) {
        if ((long) features * count != x.length || (long) classes * count != y.length) {
            throw new IllegalArgumentException("dataset arrays do not match " + count + " samples of " + features
                    + " features and " + classes + " classes");
        }
        return upload(ops, SampleStore.float32(features, x).withTargets(y, classes));
    }

    public void beginEpoch(int[] order) {
        if (order.length != count)
            throw new IllegalArgumentException("an epoch order of " + order.length + " for " + count + " samples");
        if (rows == null) {
            source.beginEpoch(order);
            return;
        }
        for (int i = 0; i < count; i++) mapped[i] = rows[order[i]];
        source.beginEpoch(mapped);
    }

    public void load(int offset, int m, Mat x, Mat y) {
        checkRows(x, y);
        if (offset < 0 || m < 0 || offset + m > count)
            throw new IllegalArgumentException("batch [" + offset + ", " + (offset + m) + ") of " + count);
        source.load(offset, m, x, y);
    }

    private void checkRows(Mat x, Mat y) {
        if (x.rows() != features || (classes > 0 && y.rows() != classes)) {
            throw new IllegalArgumentException("batch of " + x.rows() + " features and " + y.rows()
                    + " outputs from data with " + features + " and " + classes);
        }
    }

    public boolean capturable() {
        return source.capturable();
    }

    /** The first half of {@link #load} on a {@link #capturable()} source: the indices of batch [offset, offset+m). */
    public void prepare(int offset, int m) {
        if (offset < 0 || m < 0 || offset + m > count)
            throw new IllegalArgumentException("batch [" + offset + ", " + (offset + m) + ") of " + count);
        source.prepare(offset, m);
    }

    /** The second half: the prepared batch into x and y (the same buffers and m on every call of a replay). */
    public void loadPrepared(int m, Mat x, Mat y) {
        checkRows(x, y);
        source.loadPrepared(m, x, y);
    }

    public String describe() {
        return source.describe();
    }

    @Override
    public void close() {
        source.close();
        if (owned != null) owned.close();
    }

    /**
     * A store held once on the backend: uint8 features as bytes (decoded and normalised in the gather), float32
     * features as floats already normalised ({@link SampleStore#normalisedFloats}, the same floats), class
     * indices as ints (made one-hot in the gather), regression targets as floats.
     */
    public static final class ResidentStore implements Store {
        /** Floats normalised on the host per upload: a bounded temporary, whatever the store's size. */
        private static final int CHUNK = 1 << 20;

        final Ops ops;
        private final SampleStore samples;
        private ByteBlock bytes; // uint8 features, or null
        private Block floats; // float32 features (normalised), or null
        private Block norm; // uint8 with a normalisation: shift then factor, features each; or null
        private IndexBlock labels; // class indices, or null
        private Block targets; // regression targets, or null
        ByteMat x8;
        Mat x32, shift, factor, y;

        public ResidentStore(Ops ops, SampleStore s) {
            this.ops = ops;
            this.samples = s;
            int n = s.features(), count = s.count();
            try {
                if (s.type() == SampleStore.Type.UINT8) {
                    bytes = ops.allocateBytes((long) n * count);
                    ops.upload(s.uint8(), 0, bytes, 0, s.uint8().length);
                    x8 = new ByteMat(bytes, n, count);
                    if (s.normalised()) {
                        norm = ops.allocate(2L * n);
                        ops.upload(s.shift(), 0, norm, 0, n);
                        ops.upload(s.factor(), 0, norm, n, n);
                        shift = Mat.vector(norm, 0, n);
                        factor = Mat.vector(norm, n, n);
                    }
                } else {
                    floats = ops.allocate((long) n * count);
                    uploadFloats(s, floats);
                    x32 = new Mat(floats, n, count);
                }
                if (s.hasClasses()) {
                    labels = ops.allocateIndices(count);
                    ops.upload(s.classIndices(), labels);
                } else if (s.hasTargets()) {
                    targets = ops.allocate((long) s.outputs() * count);
                    ops.upload(s.targets(), 0, targets, 0, s.targets().length);
                    y = new Mat(targets, s.outputs(), count);
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void uploadFloats(SampleStore s, Block dst) {
            float[] src = s.float32();
            if (!s.normalised()) {
                ops.upload(src, 0, dst, 0, src.length);
                return;
            }
            float[] chunk = new float[(int) Math.min(CHUNK, src.length)];
            for (int from = 0; from < src.length; from += chunk.length) {
                int len = Math.min(chunk.length, src.length - from);
                s.normalisedFloats(from, len, chunk);
                ops.upload(chunk, 0, dst, from, len);
            }
        }

        @Override
        public SampleStore samples() {
            return samples;
        }

        @Override
        public Source open(int count) {
            return new Resident(this, count);
        }

        /** Gathers the prepared batch (indices [0, m) of {@code batch}) into x and, with targets, y. */
        void gather(IndexBlock batch, int m, Mat dx, Mat dy) {
            if (x8 != null) ops.gatherBytes(x8, batch, 0, m, shift, factor, dx);
            else ops.gather(x32, batch, 0, m, dx);
            if (labels != null) ops.gatherOneHot(labels, batch, 0, m, dy);
            else if (y != null) ops.gather(y, batch, 0, m, dy);
        }

        @Override
        public String describe() {
            return "resident";
        }

        @Override
        public void close() {
            for (AutoCloseable c : new AutoCloseable[] {bytes, floats, norm, labels, targets}) {
                if (c == null) continue;
                try {
                    c.close();
                } catch (Exception e) {
                    // blocks never throw on close
                }
            }
            bytes = null;
            floats = norm = targets = null;
            labels = null;
        }
    }

    /**
     * A view's batches from a {@link ResidentStore}, gathered on the backend by a device-side index list. A
     * batch's indices are first copied to the fixed buffer {@code batch} (the view's count long, so any m
     * fits), and the gathers read it from offset 0: a captured gather then serves every batch.
     */
    public static final class Resident implements Source {
        private final ResidentStore store;
        private final Ops ops;
        private final IndexBlock order;
        private final IndexBlock batch;
        private int prepared = -1; // m of the last prepare

        Resident(ResidentStore store, int count) {
            this.store = store;
            this.ops = store.ops;
            IndexBlock o = ops.allocateIndices(count);
            try {
                batch = ops.allocateIndices(count);
            } catch (RuntimeException e) {
                o.close();
                throw e;
            }
            order = o;
        }

        @Override
        public void beginEpoch(int[] o) {
            ops.upload(o, order);
        }

        @Override
        public void load(int offset, int m, Mat dx, Mat dy) {
            prepare(offset, m);
            loadPrepared(m, dx, dy);
        }

        @Override
        public boolean capturable() {
            return true;
        }

        @Override
        public void prepare(int offset, int m) {
            ops.copyIndices(order, offset, m, batch);
            prepared = m;
        }

        @Override
        public void loadPrepared(int m, Mat dx, Mat dy) {
            if (m > prepared)
                throw new IllegalStateException("loadPrepared of " + m + " samples after prepare of " + prepared);
            store.gather(batch, m, dx, dy);
        }

        @Override
        public String describe() {
            return "resident";
        }

        @Override
        public void close() {
            order.close();
            batch.close();
        }
    }
}
