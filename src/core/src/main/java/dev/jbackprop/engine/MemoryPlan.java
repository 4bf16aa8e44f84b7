package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What training a network will hold in memory, worked out before any of it is allocated: the parameter, gradient
 * and optimiser-state blocks ({@link Network}), the activations for the batch, the data sets resident on the
 * backend, and the workspace (the backend's own, and the host copies made when the weights are saved), each in the
 * place it lives: the backend's blocks (host memory outside the Java heap on the CPU, device memory on the GPU) or
 * the Java heap. All sizes are computed in overflow-checked arithmetic: a size that does not fit in 64 bits is an
 * impossible option, not a wrapped number.
 *
 * <p>{@link #check} compares the plan with a backend's {@link MemoryLimits} and refuses, in one sentence giving the
 * total and the limit, what cannot work: a block larger than the backend can address, or an array larger than Java
 * can hold, is an impossible setting ({@link InvalidConfigException}); more than the memory available is an
 * {@link InsufficientMemoryException}.
 */
public final class MemoryPlan {
    /** Where an item lives. */
    public enum Place {
        /** The Java heap (arrays). */
        HEAP("Java heap"),
        /** Host memory outside the Java heap (the CPU backend's blocks, pinned buffers). */
        HOST("host memory"),
        /** The GPU's memory. */
        DEVICE("device memory");

        /** How messages name it. */
        public final String description;

        Place(String description) {
            this.description = description;
        }
    }

    /**
     * One item of the plan.
     *
     * @param what what it is, e.g. "activations for a batch of 64"
     * @param place where it lives
     * @param bytes its size
     * @param blockFloats the floats of its largest single block (0 when it is not one backend block)
     * @param setting the setting that makes it smaller (for messages), or null
     */
    public record Item(String what, Place place, long bytes, long blockFloats, Setting setting) {}

    /**
     * The shape of one data set.
     *
     * @param name e.g. "training", "test"
     * @param count samples
     * @param features inputs per sample
     * @param classes outputs per sample
     */
    public record Data(String name, int count, int features, int classes) {}

    /** Device memory the GPU backend leaves free for cuBLAS and the driver when it decides to keep data resident. */
    public static final long DEVICE_DATA_RESERVE = 512L << 20;

    private final NetworkSpec spec;
    private final int batch;
    private final MemoryLimits limits;
    private final List<Item> items;
    private final boolean streamed;

    private MemoryPlan(NetworkSpec spec, int batch, MemoryLimits limits, List<Item> items, boolean streamed) {
        this.spec = spec;
        this.batch = batch;
        this.limits = limits;
        this.items = List.copyOf(items);
        this.streamed = streamed;
    }

    /**
     * The plan of a training run.
     *
     * @param spec the network
     * @param batch the batch size (the network's capacity)
     * @param optimizerBuffers parameter-sized blocks of optimiser state (1 for momentum, 0 for plain SGD)
     * @param data the data sets made resident on the backend (training first)
     * @param limits the backend's limits (and how it lays out memory)
     * @return the plan
     * @throws InvalidConfigException when a size overflows 64 bits
     */
    public static MemoryPlan forTraining(
            NetworkSpec spec, int batch, int optimizerBuffers, List<Data> data, MemoryLimits limits) {
        if (batch < 1) throw new InvalidConfigException(Setting.BATCH, "must be at least 1, got " + batch);
        ParamLayout layout = spec.layout();
        long params = layout.total();
        long actFloats = activationFloats(spec, batch);
        Place blocks = limits.device() ? Place.DEVICE : Place.HOST;
        List<Item> items = new ArrayList<>();
        String n = String.format(Locale.ROOT, "%,d", params);
        items.add(new Item(
                "parameters (" + n + " floats" + (limits.gemmCopies() ? ", with a bfloat16 copy" : "") + ")",
                blocks,
                blockBytes(params, limits.gemmCopies(), Setting.LAYER_SIZES),
                params,
                Setting.LAYER_SIZES));
        items.add(new Item("gradients", blocks, blockBytes(params, false, Setting.LAYER_SIZES), params, null));
        if (optimizerBuffers > 0) {
            items.add(new Item(
                    optimizerBuffers == 1 ? "momentum" : "optimiser state (" + optimizerBuffers + " blocks)",
                    blocks,
                    mul(optimizerBuffers, blockBytes(params, false, Setting.LAYER_SIZES), Setting.LAYER_SIZES),
                    params,
                    null));
        }
        items.add(new Item(
                "activations for a batch of " + batch + " (x, y, and z, a, δ of every layer"
                        + (limits.gemmCopies() ? ", with bfloat16 copies" : "") + ")",
                blocks,
                blockBytes(actFloats, limits.gemmCopies(), Setting.BATCH),
                actFloats,
                Setting.BATCH));
        if (limits.device() && limits.workspaceBytes() > 0)
            items.add(new Item("backend workspace (cuBLAS)", Place.DEVICE, limits.workspaceBytes(), 0, null));

        // data: resident on the backend, or on the GPU streamed when it does not fit next to the network
        long networkBytes = 0;
        for (Item it : items) networkBytes = add(networkBytes, it.bytes(), Setting.LAYER_SIZES);
        long dataBytes = 0;
        for (Data d : data) dataBytes = add(dataBytes, residentBytes(d), Setting.TRAIN_SIZE);
        boolean streamed = limits.device()
                && add(add(networkBytes, dataBytes, Setting.TRAIN_SIZE), DEVICE_DATA_RESERVE, Setting.TRAIN_SIZE)
                        > limits.deviceBytes();
        for (Data d : data) {
            long f = mul(d.count(), d.features(), Setting.TRAIN_SIZE);
            long c = mul(d.count(), d.classes(), Setting.TRAIN_SIZE);
            if (!streamed) {
                items.add(new Item(
                        String.format(
                                Locale.ROOT,
                                "%s data (%,d samples × %d inputs + %d outputs)",
                                d.name(),
                                d.count(),
                                d.features(),
                                d.classes()),
                        blocks,
                        mul(4, add(f, c, Setting.TRAIN_SIZE), Setting.TRAIN_SIZE),
                        Math.max(f, c),
                        Setting.TRAIN_SIZE));
                items.add(new Item(
                        d.name() + " data's sample order (2 index lists)",
                        limits.device() ? Place.DEVICE : Place.HEAP,
                        mul(8, d.count(), Setting.TRAIN_SIZE),
                        0,
                        null));
            } else {
                long slot = mul(4, mul(batch, d.features() + (long) d.classes(), Setting.BATCH), Setting.BATCH);
                items.add(new Item(
                        d.name() + " data streamed: 2 staging buffers of a batch", Place.DEVICE, 2 * slot, 0, null));
                items.add(new Item(
                        d.name() + " data streamed: 2 pinned buffers of a batch", Place.HOST, 2 * slot, 0, null));
                items.add(new Item(
                        d.name() + " data kept on the heap for streaming",
                        Place.HEAP,
                        mul(4, add(f, c, Setting.TRAIN_SIZE), Setting.TRAIN_SIZE),
                        0,
                        null));
            }
        }
        // host workspace: the arrays the upload copies (the largest set), the shuffled order, the initial weights,
        // and the copies made when a model or a checkpoint is saved (parameters and optimiser state, downloaded and
        // laid out row-major: 2 × (1 + buffers) blocks) or read back
        long upload = 0, order = 0;
        for (Data d : data) {
            long bytes = mul(
                    4,
                    add(
                            mul(d.count(), d.features(), Setting.TRAIN_SIZE),
                            mul(d.count(), d.classes(), Setting.TRAIN_SIZE),
                            Setting.TRAIN_SIZE),
                    Setting.TRAIN_SIZE);
            upload = Math.max(upload, bytes);
            order = add(order, mul(4, d.count(), Setting.TRAIN_SIZE), Setting.TRAIN_SIZE);
        }
        items.add(new Item("workspace: the copy of a data set while it is uploaded", Place.HEAP, upload, 0, null));
        items.add(new Item("workspace: the epoch's sample order", Place.HEAP, order, 0, null));
        items.add(new Item(
                "workspace: host copies of the weights (the initial ones, and those made when saving the model"
                        + (optimizerBuffers > 0 ? " or a checkpoint with the optimiser state" : " or a checkpoint")
                        + ")",
                Place.HEAP,
                mul(1 + 2L * (1 + optimizerBuffers), mul(4, params, Setting.LAYER_SIZES), Setting.LAYER_SIZES),
                0,
                Setting.LAYER_SIZES));
        return new MemoryPlan(spec, batch, limits, items, streamed);
    }

    /** Floats of the activation block: x and y, then z, a and δ of every layer, for a batch of {@code batch}. */
    static long activationFloats(NetworkSpec spec, int batch) {
        long perSample = add(spec.inputSize(), spec.outputSize(), Setting.LAYER_SIZES);
        ParamLayout layout = spec.layout();
        for (int l = 0; l < layout.layers(); l++)
            perSample = add(perSample, mul(3, layout.nOut(l), Setting.LAYER_SIZES), Setting.LAYER_SIZES);
        return mul(perSample, batch, Setting.BATCH);
    }

    private static long residentBytes(Data d) {
        long floats = mul(d.count(), d.features() + (long) d.classes(), Setting.TRAIN_SIZE);
        return add(mul(4, floats, Setting.TRAIN_SIZE), mul(8, d.count(), Setting.TRAIN_SIZE), Setting.TRAIN_SIZE);
    }

    /** 4 bytes a float, plus 2 for a bfloat16 copy (in whole 4-byte words). */
    private static long blockBytes(long floats, boolean copy, Setting s) {
        long b = mul(4, floats, s);
        return copy ? add(b, mul(4, (floats + 1) / 2, s), s) : b;
    }

    private static long mul(long a, long b, Setting s) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw overflow(s);
        }
    }

    private static long add(long a, long b, Setting s) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw overflow(s);
        }
    }

    private static InvalidConfigException overflow(Setting s) {
        return new InvalidConfigException(
                s, Wording.of("makes the memory needed larger than 2^63 bytes; choose smaller ", s));
    }

    /** The items, in order. */
    public List<Item> items() {
        return items;
    }

    /** The network planned for. */
    public NetworkSpec spec() {
        return spec;
    }

    /** The batch size planned for. */
    public int batch() {
        return batch;
    }

    /** The limits the plan is checked against. */
    public MemoryLimits limits() {
        return limits;
    }

    /** True when the data sets do not fit on the device with the network and will be streamed. */
    public boolean streamed() {
        return streamed;
    }

    /**
     * The bytes planned in one place.
     *
     * @param place where
     * @return the sum of its items
     */
    public long total(Place place) {
        long t = 0;
        for (Item it : items) if (it.place() == place) t = add(t, it.bytes(), Setting.LAYER_SIZES);
        return t;
    }

    /**
     * Refuses the plan when it cannot work.
     *
     * @throws InvalidConfigException when a block is larger than the backend can address, or the parameters more
     *     than one Java array holds (an impossible setting: which one is named)
     * @throws InsufficientMemoryException when a place needs more than is available
     */
    public void check() {
        for (Item it : items) {
            if (it.blockFloats() > limits.maxBlockFloats()) {
                Setting s = it.setting() != null ? it.setting() : Setting.LAYER_SIZES;
                throw new InvalidConfigException(
                        s,
                        Wording.of(String.format(
                                        Locale.ROOT,
                                        "the %s need a block of %,d floats, more than the largest the backend can "
                                                + "address, %,d floats (%s); choose a smaller ",
                                        it.what(),
                                        it.blockFloats(),
                                        limits.maxBlockFloats(),
                                        limits.blockLimit()))
                                .then(s));
            }
        }
        long params = spec.layout().total();
        if (params > MAX_ARRAY) {
            throw new InvalidConfigException(
                    Setting.LAYER_SIZES,
                    Wording.of(String.format(
                                    Locale.ROOT,
                                    "the network has %,d parameters, more than one Java array holds (%,d), which "
                                            + "saving and loading the weights need; choose smaller ",
                                    params,
                                    MAX_ARRAY))
                            .then(Setting.LAYER_SIZES));
        }
        if (limits.device()) need(Place.DEVICE, limits.deviceBytes(), limits.deviceLimit());
        need(Place.HOST, limits.hostBytes(), limits.hostLimit());
        long heap = total(Place.HEAP);
        if (heap > MemoryLimits.heapAvailable()) System.gc(); // garbage counts as used until collected
        need(
                Place.HEAP,
                MemoryLimits.heapAvailable(),
                "the Java heap's limit (-Xmx) is " + bytes(MemoryLimits.heapMax()));
    }

    /** The largest Java array (a few header words below Integer.MAX_VALUE, as the JDK's own collections assume). */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private void need(Place place, long available, String why) {
        long total = total(place);
        if (total <= available) return;
        Item biggest = null;
        for (Item it : items)
            if (it.place() == place && (biggest == null || it.bytes() > biggest.bytes())) biggest = it;
        Setting s = biggest != null && biggest.setting() != null ? biggest.setting() : Setting.LAYER_SIZES;
        throw new InsufficientMemoryException(
                place,
                total,
                available,
                Wording.of(String.format(
                                Locale.ROOT,
                                "training %s with a batch of %d needs %s of %s but %s %s available (%s); the largest "
                                        + "part is the %s (%s): choose a smaller ",
                                spec,
                                batch,
                                bytes(total),
                                place.description,
                                bytes(Math.max(0, available)),
                                available == 1 ? "is" : "are",
                                why,
                                biggest == null ? "?" : biggest.what(),
                                biggest == null ? "?" : bytes(biggest.bytes())))
                        .then(s)
                        .then(place == Place.HEAP ? " or give Java more heap" : ""));
    }

    /**
     * A byte count for people: "795 KiB", "3.25 GiB".
     *
     * @param b bytes
     * @return the text
     */
    public static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
