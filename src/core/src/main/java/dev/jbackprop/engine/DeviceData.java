package dev.jbackprop.engine;

/**
 * A dataset made ready for batches on a backend: x is (features × count) and y (classes × count),
 * column-major, one sample per column. Where it fits, it is uploaded once and each batch is
 * gathered on the backend from a device-side index list ({@link Resident}); a backend may instead
 * stream batches when it does not fit (the GPU backend, from pinned host memory).
 *
 * <p>Per epoch: {@link #beginEpoch} with the epoch's sample order, then {@link #load} for each
 * batch in turn. A {@link #capturable()} source also splits a load in two: {@link #prepare} (the
 * batch's indices into a fixed buffer, outside a captured step) and {@link #loadPrepared} (the
 * gathers from that buffer, inside it), so a replayed step never depends on the batch's offset.
 */
public final class DeviceData implements AutoCloseable {

    /** How a backend delivers batches. */
    public interface Source extends AutoCloseable {
        /** The order in which samples are drawn until the next call (a permutation of 0 … count−1). */
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

    public final int features;
    public final int classes;
    public final int count;
    private final Source source;

    public DeviceData(Source source, int features, int classes, int count) {
        this.source = source;
        this.features = features;
        this.classes = classes;
        this.count = count;
    }

    /** Makes count samples (x: rows of features, i.e. features × count column-major) ready on the backend. */
    public static DeviceData upload(Ops ops, float[] x, float[] y, int features, int classes, int count) {
        if ((long) features * count != x.length || (long) classes * count != y.length) {
            throw new IllegalArgumentException("dataset arrays do not match " + count + " samples of " + features
                    + " features and " + classes + " classes");
        }
        return new DeviceData(ops.loadData(x, y, features, classes, count), features, classes, count);
    }

    public void beginEpoch(int[] order) {
        if (order.length != count)
            throw new IllegalArgumentException("an epoch order of " + order.length + " for " + count + " samples");
        source.beginEpoch(order);
    }

    public void load(int offset, int m, Mat x, Mat y) {
        if (x.rows() != features || y.rows() != classes) {
            throw new IllegalArgumentException("batch of " + x.rows() + " features and " + y.rows()
                    + " outputs from data with " + features + " and " + classes);
        }
        if (offset < 0 || m < 0 || offset + m > count)
            throw new IllegalArgumentException("batch [" + offset + ", " + (offset + m) + ") of " + count);
        source.load(offset, m, x, y);
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
        if (x.rows() != features || y.rows() != classes) {
            throw new IllegalArgumentException("batch of " + x.rows() + " features and " + y.rows()
                    + " outputs from data with " + features + " and " + classes);
        }
        source.loadPrepared(m, x, y);
    }

    public String describe() {
        return source.describe();
    }

    @Override
    public void close() {
        source.close();
    }

    /**
     * Uploaded once; batches gathered on the backend by a device-side index list. A batch's indices
     * are first copied to the fixed buffer {@code batch} (count long, so any m fits), and the gathers
     * read it from offset 0: a captured gather then serves every batch.
     */
    public static final class Resident implements Source {
        private final Ops ops;
        private final Block xb, yb;
        private final Mat x, y;
        private final IndexBlock order;
        private final IndexBlock batch;
        private int prepared = -1; // m of the last prepare

        public Resident(Ops ops, float[] xs, float[] ys, int features, int classes, int count) {
            this.ops = ops;
            Block a = null, b = null;
            IndexBlock o = null, t = null;
            try {
                a = ops.allocate(xs.length);
                b = ops.allocate(ys.length);
                o = ops.allocateIndices(count);
                t = ops.allocateIndices(count);
            } catch (RuntimeException e) {
                if (a != null) a.close();
                if (b != null) b.close();
                if (o != null) o.close();
                throw e;
            }
            xb = a;
            yb = b;
            order = o;
            batch = t;
            ops.upload(xs, 0, xb, 0, xs.length);
            ops.upload(ys, 0, yb, 0, ys.length);
            x = new Mat(xb, features, count);
            y = new Mat(yb, classes, count);
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
            ops.gather(x, batch, 0, m, dx);
            ops.gather(y, batch, 0, m, dy);
        }

        @Override
        public String describe() {
            return "resident";
        }

        @Override
        public void close() {
            xb.close();
            yb.close();
            order.close();
            batch.close();
        }
    }
}
