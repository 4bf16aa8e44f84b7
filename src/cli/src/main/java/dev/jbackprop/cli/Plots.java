package dev.jbackprop.cli;

import dev.jbackprop.diag.GradientNorms;
import dev.jbackprop.diag.GradientStudy;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.diag.Spread;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG charts (XChart), written atomically: the command line's figures (a run's curves, gradient norms; jbackprop-spark's
 * sweep draws its runs' accuracies with {@link #line}). Only the command line draws; the library computes what is
 * drawn.
 */
public final class Plots {
    private Plots() {}

    /** One named line of a chart. */
    public record Series(String name, double[] x, double[] y, boolean secondAxis) {}

    /** Draws the series as lines, y2Label naming the second axis (null: none), the y axis logarithmic or not. */
    public static void line(
            Path png, String title, String xLabel, String yLabel, String y2Label, boolean logY, List<Series> series)
            throws IOException {
        try {
            Drawer.draw(png, title, xLabel, yLabel, y2Label, logY, series);
        } catch (LinkageError
                | UnsupportedOperationException e) { // HeadlessException is an UnsupportedOperationException
            // e.g. the GPU bundle's runtime leaves out java.desktop to stay small
            throw new IOException(
                    "plotting needs the java.desktop module, which this Java runtime lacks (" + e + ")", e);
        }
    }

    /** A {@link GradientTracker}'s bias and weight norms of every layer against the step, log scale. */
    static void trackedGradients(GradientTracker tracker, Path png, String title) throws IOException {
        int layers = tracker.layers();
        List<Series> s = new ArrayList<>();
        for (int l = 0; l < layers; l++) s.add(positive(tracker, "‖∂C/∂b‖ " + layerName(l, layers), l, true));
        for (int l = 0; l < layers; l++) s.add(positive(tracker, "‖∂C/∂W‖ " + layerName(l, layers), l, false));
        line(png, title, "step", "norm of the mini-batch mean gradient", null, true, s);
    }

    private static String layerName(int l, int layers) {
        return l == layers - 1 ? "output layer" : "hidden layer " + (l + 1);
    }

    /** One series without the non-positive values a log axis cannot show. */
    private static Series positive(GradientTracker tracker, String name, int layer, boolean bias) {
        List<double[]> pts = new ArrayList<>();
        List<GradientNorms.Norms> norms = tracker.norms();
        List<Long> steps = tracker.steps();
        for (int i = 0; i < norms.size(); i++) {
            double v = bias ? norms.get(i).bias()[layer] : norms.get(i).weight()[layer];
            if (v > 0 && Double.isFinite(v)) pts.add(new double[] {steps.get(i), v});
        }
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return new Series(name, x, y, false);
    }

    /** Median over the inits of each hidden layer's ‖∂C/∂b‖ against the epoch, log scale (jbackprop gradients). */
    static void gradientsDuringTraining(Path png, NetworkSpec spec, Init ik, List<GradientStudy.Run> runs)
            throws IOException {
        int points = runs.get(0).track().size();
        double[] x = new double[points];
        for (int p = 0; p < points; p++) x[p] = runs.get(0).track().get(p).epoch();
        List<Series> series = new ArrayList<>();
        for (int l = 0; l < spec.layers() - 1; l++) {
            List<double[]> xy = new ArrayList<>();
            for (int p = 0; p < points; p++) {
                final int pp = p, ll = l;
                double v = Spread.of(runs.stream()
                                .mapToDouble(r -> r.track().get(pp).norms().bias()[ll])
                                .toArray())
                        .median();
                if (v > 0 && Double.isFinite(v)) xy.add(new double[] {x[p], v}); // a log axis cannot show 0
            }
            series.add(new Series(
                    "hidden layer " + (l + 1),
                    xy.stream().mapToDouble(q -> q[0]).toArray(),
                    xy.stream().mapToDouble(q -> q[1]).toArray(),
                    false));
        }
        String title = "speed of learning ‖∂C/∂bˡ‖, " + spec.sizesText() + " " + spec.activation(0) + ", init " + ik
                + (runs.size() > 1
                        ? ", median of " + runs.size() + " inits"
                        : ", seed " + runs.get(0).seed());
        line(png, title, "epoch", "‖∂C/∂b‖ (mean over the samples)", null, true, series);
    }

    /** Apart from {@link Plots} so that a runtime without java.desktop fails inside {@link #line}, where it is caught. */
    private static final class Drawer {
        static void draw(
                Path png, String title, String xLabel, String yLabel, String y2Label, boolean logY, List<Series> series)
                throws IOException {
            XYChart chart = new XYChartBuilder()
                    .width(900)
                    .height(520)
                    .title(title)
                    .xAxisTitle(xLabel)
                    .yAxisTitle(yLabel)
                    .build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            chart.getStyler().setYAxisLogarithmic(logY);
            for (Series s : series) {
                if (s.x().length == 0) continue;
                var xy = chart.addSeries(s.name(), s.x(), s.y());
                if (s.secondAxis()) xy.setYAxisGroup(1);
            }
            if (y2Label != null) {
                chart.setYAxisGroupTitle(1, y2Label);
                chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            }
            // a name of this process's own (XChart appends ".png"); removed if the write fails
            String base = png.resolveSibling("." + png.getFileName() + "."
                            + ProcessHandle.current().pid() + ".tmp")
                    .toString();
            Path tmp = Path.of(base + ".png");
            try {
                BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
                Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
