package dev.jbackprop.engine;

/**
 * Forward passes over a whole data set in its stored order, in batches of the network's capacity, with
 * each batch's outputs read back to the host (predictions, and the per-sample figures of an evaluation:
 * a confusion matrix, absolute errors). With targets and a {@link Metrics}, the cost and the number
 * right are counted as {@link Trainer#evaluate(Network, DeviceData, Metrics)} counts them.
 */
public final class Predictor {
    private Predictor() {}

    /** Receives the outputs of samples [offset, offset + m): {@code outputs} holds them column after column. */
    @FunctionalInterface
    public interface Sink {
        void accept(int offset, int m, float[] outputs);
    }

    /**
     * Runs the network over {@code data} and hands each batch's outputs to {@code sink}.
     *
     * @param metrics counts the cost and the number right (reset first), or null for data without targets
     * @return the evaluation when metrics are counted, else null
     */
    public static Trainer.Evaluation run(Network net, DeviceData data, Metrics metrics, Sink sink) {
        if (data.features != net.spec.inputSize())
            throw new IllegalArgumentException("the network takes " + net.spec.inputSize() + " inputs but the data has "
                    + data.features + " features per sample");
        if (metrics != null && data.classes != net.spec.outputSize())
            throw new IllegalArgumentException("the network has " + net.spec.outputSize() + " outputs but the data has "
                    + data.classes + " targets per sample");
        int outputs = net.spec.outputSize();
        float[] out = new float[outputs * net.capacity];
        int[] order = new int[data.count];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (metrics != null) metrics.reset();
        data.beginEpoch(order);
        for (int off = 0; off < data.count; off += net.capacity) {
            int m = Math.min(net.capacity, data.count - off);
            data.load(off, m, net.x, net.y);
            Step.forward(net, m);
            if (metrics != null) Step.outputError(net, m, metrics, false);
            net.ops.download(net.output().block(), 0, out, 0, outputs * m);
            sink.accept(off, m, out);
        }
        if (metrics == null) return null;
        double[] mt = metrics.read();
        return new Trainer.Evaluation(mt[0] / Math.max(1, mt[2]), mt[1] / Math.max(1, mt[2]), (long) mt[2]);
    }
}
