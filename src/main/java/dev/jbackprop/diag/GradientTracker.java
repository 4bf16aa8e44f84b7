package dev.jbackprop.diag;

import dev.jbackprop.engine.Network;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Records the current mini-batch's per-layer gradient norms during training ({@link
 * GradientNorms#ofBatch}) into a CSV, one row per layer, and draws them.
 */
public final class GradientTracker implements AutoCloseable {
    public static final String HEADER = "step,epoch,batch_size,layer,weight_norm,bias_norm";

    private final Network net;
    private final BufferedWriter csv;
    private final List<double[]> steps = new ArrayList<>(); // {step, epoch}
    private final List<GradientNorms.Norms> norms = new ArrayList<>();

    public GradientTracker(Network net, Path csvFile) throws IOException {
        this.net = net;
        this.csv = Files.newBufferedWriter(csvFile, StandardCharsets.UTF_8);
        csv.write(HEADER + "\n");
    }

    /** Reads the norms of the last step's batch of m samples and appends them. */
    public GradientNorms.Norms record(long step, double epoch, int m) throws IOException {
        GradientNorms.Norms n = GradientNorms.ofBatch(net, m);
        steps.add(new double[] {step, epoch});
        norms.add(n);
        for (int l = 0; l < n.layers(); l++) {
            csv.write(String.format(
                    Locale.ROOT, "%d,%.6f,%d,%d,%.6e,%.6e%n", step, epoch, m, l + 1, n.weight()[l], n.bias()[l]));
        }
        return n;
    }

    public void flush() throws IOException {
        csv.flush();
    }

    public int size() {
        return norms.size();
    }

    /** Bias and weight norms of every layer against the step, log scale. */
    public void plot(Path png, String title) throws IOException {
        int layers = net.layers();
        List<Plots.Series> s = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String name = l == layers - 1 ? "output layer" : "hidden layer " + (l + 1);
            s.add(positive("‖∂C/∂b‖ " + name, l, true));
        }
        for (int l = 0; l < layers; l++) {
            String name = l == layers - 1 ? "output layer" : "hidden layer " + (l + 1);
            s.add(positive("‖∂C/∂W‖ " + name, l, false));
        }
        Plots.line(png, title, "step", "norm of the mini-batch mean gradient", null, true, s);
    }

    /** One series without the non-positive values a log axis cannot show. */
    private Plots.Series positive(String name, int layer, boolean bias) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < norms.size(); i++) {
            double v = bias ? norms.get(i).bias()[layer] : norms.get(i).weight()[layer];
            if (v > 0 && Double.isFinite(v)) pts.add(new double[] {steps.get(i)[0], v});
        }
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return new Plots.Series(name, x, y, false);
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
