package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Metrics;

/** The running cost, correct count and sample count, in host memory (reading them costs nothing). */
final class CpuMetrics implements Metrics {
    private double loss;
    private long correct, count;

    void add(double l, int c, int n) {
        loss += l;
        correct += c;
        count += n;
    }

    @Override
    public void reset() {
        loss = 0;
        correct = 0;
        count = 0;
    }

    @Override
    public void read(double[] out) {
        out[0] = loss;
        out[1] = correct;
        out[2] = count;
    }

    @Override
    public void close() {}
}
