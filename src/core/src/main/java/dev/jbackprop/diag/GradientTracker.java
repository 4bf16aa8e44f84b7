package dev.jbackprop.diag;

import dev.jbackprop.engine.Network;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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

    private GradientTracker(Network net, BufferedWriter csv) {
        this.net = net;
        this.csv = csv;
    }

    /**
     * Continues the CSV of a run resumed after {@code doneSteps} steps: the rows of those steps are kept and read back
     * (so the plot covers the whole run), later or partial ones (which the resumed run measures again, or a crash cut
     * short) are dropped, and new rows are appended. The kept rows are written to a temporary file that replaces the
     * old one, so a failure leaves the old file whole. A missing file starts a new one.
     *
     * @param net the network being trained
     * @param csvFile the run's CSV
     * @param doneSteps the steps the resumed run has behind it
     * @return the tracker
     * @throws IOException when the file cannot be read or written
     */
    public static GradientTracker resume(Network net, Path csvFile, long doneSteps) throws IOException {
        if (!Files.exists(csvFile)) return new GradientTracker(net, csvFile);
        int layers = net.layers();
        List<String> lines = Files.readAllLines(csvFile, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder(HEADER).append('\n');
        List<Long> steps = new ArrayList<>();
        List<GradientNorms.Norms> norms = new ArrayList<>();
        for (int i = 1; i + layers <= lines.size(); i += layers) {
            double[] w = new double[layers], b = new double[layers];
            long step = -1;
            boolean whole = true;
            for (int l = 0; l < layers && whole; l++) {
                String[] f = lines.get(i + l).split(",", -1);
                try {
                    long s = Long.parseLong(f[0]);
                    whole = f.length == 6 && Integer.parseInt(f[3]) == l + 1 && (l == 0 || s == step);
                    step = s;
                    w[l] = Double.parseDouble(f[4]);
                    b[l] = Double.parseDouble(f[5]);
                } catch (RuntimeException e) {
                    whole = false;
                }
            }
            if (!whole || step > doneSteps) break; // cut short, or measured again by the resumed run
            for (int l = 0; l < layers; l++) kept.append(lines.get(i + l)).append('\n');
            steps.add(step);
            norms.add(new GradientNorms.Norms(w, b));
        }
        Path tmp =
                Files.createTempFile(csvFile.toAbsolutePath().getParent(), "." + csvFile.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, kept, StandardCharsets.UTF_8);
            Files.move(tmp, csvFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        GradientTracker t = new GradientTracker(
                net, Files.newBufferedWriter(csvFile, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
        t.steps.addAll(steps);
        t.norms.addAll(norms);
        return t;
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
