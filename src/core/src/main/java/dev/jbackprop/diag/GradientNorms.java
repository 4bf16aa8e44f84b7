package dev.jbackprop.diag;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.ParamLayout;

/**
 * Per-layer gradient norms, the textbook's "speed of learning" (chapter 5): ‖∂C/∂bˡ‖ and ‖∂C/∂Wˡ‖
 * of the gradient averaged over samples. {@link #ofBatch} reads the mini-batch gradient already in
 * a network (one sumSquares call: only 2L sums leave the backend); {@link Averager} runs the engine
 * over a fixed sample set in chunks and sums the downloaded gradients on the host.
 */
public final class GradientNorms {
    private GradientNorms() {}

    /** weight[l] = ‖∂C/∂Wˡ‖ and bias[l] = ‖∂C/∂bˡ‖ for weight layers l = 0 … L−1 (the last is the output layer). */
    public record Norms(double[] weight, double[] bias) {
        public int layers() {
            return bias.length;
        }
    }

    /** Norms of the mean gradient of the last batch of m samples (the network's grads hold its sum). */
    public static Norms ofBatch(Network net, int m) {
        if (m <= 0) throw new IllegalArgumentException("batch size must be positive, got " + m);
        ParamLayout layout = net.layout;
        int layers = layout.layers();
        long[] off = new long[2 * layers];
        long[] len = new long[2 * layers];
        for (int l = 0; l < layers; l++) {
            off[l] = layout.weightOffset(l);
            len[l] = layout.weightLength(l);
            off[layers + l] = layout.biasOffset(l);
            len[layers + l] = layout.nOut(l);
        }
        double[] sq = new double[2 * layers];
        net.ops.sumSquares(net.grads, off, len, sq);
        double[] w = new double[layers], b = new double[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = Math.sqrt(sq[l]) / m;
            b[l] = Math.sqrt(sq[layers + l]) / m;
        }
        return new Norms(w, b);
    }

    /** Norms of sum / count, where sum is a gradient summed over count samples (ParamLayout order). */
    public static Norms ofSum(ParamLayout layout, double[] sum, long count) {
        if (sum.length != layout.total())
            throw new IllegalArgumentException("gradient has " + sum.length + " entries, expected " + layout.total());
        int layers = layout.layers();
        double[] w = new double[layers], b = new double[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = norm(sum, layout.weightOffset(l), layout.weightLength(l)) / count;
            b[l] = norm(sum, layout.biasOffset(l), layout.nOut(l)) / count;
        }
        return new Norms(w, b);
    }

    private static double norm(double[] v, long off, long len) {
        double s = 0;
        for (int i = (int) off, end = (int) (off + len); i < end; i++) s += v[i] * v[i];
        return Math.sqrt(s);
    }

    /**
     * The gradient averaged over every sample of a resident data set, computed with the engine in
     * chunks of the network's capacity. Each chunk's summed gradient is downloaded and added in
     * double; that synchronises, so call {@link #measure} only at measurement points. It overwrites
     * the network's activations and gradients (not its parameters or velocity).
     */
    public static final class Averager implements AutoCloseable {
        private final Network net;
        private final DeviceData data;
        private final int[] order; // 0 … count−1
        private final Metrics metrics;
        private final float[] chunk;

        public Averager(Network net, DeviceData data) {
            if (data.features != net.spec.inputSize() || data.classes != net.spec.outputSize()) {
                throw new IllegalArgumentException("samples of " + data.features + " features and " + data.classes
                        + " classes do not fit " + net.spec);
            }
            this.net = net;
            this.data = data;
            Ops ops = net.ops;
            order = new int[data.count];
            for (int i = 0; i < order.length; i++) order[i] = i;
            this.metrics = ops.allocateMetrics();
            this.chunk = new float[Math.toIntExact(net.layout.total())];
        }

        /** Σ over the samples of ∂C/∂W, ∂C/∂b (ParamLayout order), in double. */
        public double[] sum() {
            double[] sum = new double[chunk.length];
            metrics.reset();
            Ops ops = net.ops;
            data.beginEpoch(order);
            for (int off = 0; off < data.count; off += net.capacity) {
                int m = Math.min(net.capacity, data.count - off);
                data.load(off, m, net.x, net.y);
                Step.forward(net, m);
                Step.outputError(net, m, metrics, true);
                Step.backward(net, m);
                ops.download(net.grads, 0, chunk, 0, chunk.length);
                for (int i = 0; i < chunk.length; i++) sum[i] += chunk[i];
            }
            return sum;
        }

        /** Norms of the mean gradient over the samples. */
        public Norms measure() {
            return ofSum(net.layout, sum(), data.count);
        }

        @Override
        public void close() {
            metrics.close();
        }
    }
}
