package dev.jbackprop.diag;

import dev.jbackprop.engine.Network;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Records the current mini-batch's per-layer gradient norms during training ({@link
 * GradientNorms#ofBatch}) into a CSV, one row per layer, and keeps them for a plot.
 */
public final class GradientTracker implements AutoCloseable {
    /** The CSV's first line. */
    public static final String HEADER = "step,epoch,batch_size,layer,weight_norm,bias_norm";

    private final Network net;
    private final BufferedWriter csv;
    private final List<Long> steps = new ArrayList<>();
    private final List<GradientNorms.Norms> norms = new ArrayList<>();

    /**
     * Starts the CSV (replacing a file of that name).
     *
     * @param net the network being trained
     * @param csvFile where the rows go
     * @throws IOException when the file cannot be written
     */
    public GradientTracker(Network net, Path csvFile) throws IOException {
        this.net = net;
        this.csv = Files.newBufferedWriter(csvFile, StandardCharsets.UTF_8);
        csv.write(HEADER + "\n");
    }

    /**
     * Reads the norms of the last step's batch of m samples and appends them.
     *
     * @param step the step (in all)
     * @param epoch where the step stands, in epochs
     * @param m the step's batch size
     * @return the norms
     * @throws IOException when the CSV cannot be written
     */
    public GradientNorms.Norms record(long step, double epoch, int m) throws IOException {
        GradientNorms.Norms n = GradientNorms.ofBatch(net, m);
        steps.add(step);
        norms.add(n);
        for (int l = 0; l < n.layers(); l++) {
            csv.write(String.format(
                    Locale.ROOT, "%d,%.6f,%d,%d,%.6e,%.6e%n", step, epoch, m, l + 1, n.weight()[l], n.bias()[l]));
        }
        return n;
    }

    /** Flushes the CSV to the file. */
    public void flush() throws IOException {
        csv.flush();
    }

    /** The points recorded. */
    public int size() {
        return norms.size();
    }

    /** The network's weight layers. */
    public int layers() {
        return net.layers();
    }

    /** The step of each point. */
    public List<Long> steps() {
        return Collections.unmodifiableList(steps);
    }

    /** The norms of each point. */
    public List<GradientNorms.Norms> norms() {
        return Collections.unmodifiableList(norms);
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
