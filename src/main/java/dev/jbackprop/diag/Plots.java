package dev.jbackprop.diag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** PNG charts (XChart), written atomically. */
public final class Plots {
    private Plots() {}

    /** One named line of a chart. */
    public record Series(String name, double[] x, double[] y, boolean secondAxis) {}

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
            String base = png.resolveSibling("." + png.getFileName() + ".tmp").toString(); // XChart appends ".png"
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
            Files.move(
                    Path.of(base + ".png"), png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
