package dev.jbackprop.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The drawing half of {@link SweepPlot}, apart so that a runtime without java.desktop fails inside {@link SweepPlot#write}. */
final class SweepDrawer {
    private SweepDrawer() {}

    /** One colour and marker per batch size, the same in every panel (Tableau 10). */
    private static final Color[] COLOURS = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x7f7f7f),
        new Color(0xbcbd22),
        new Color(0x17becf)
    };

    private static final Marker[] MARKERS = {
        SeriesMarkers.CIRCLE,
        SeriesMarkers.SQUARE,
        SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP,
        SeriesMarkers.TRIANGLE_DOWN,
        SeriesMarkers.CROSS,
        SeriesMarkers.OVAL,
        SeriesMarkers.RECTANGLE
    };

    static void draw(SweepPlot.Sweep sweep, Path png) throws IOException {
        List<SweepPlot.Panel> columns = new ArrayList<>();
        TreeSet<Integer> depths = new TreeSet<>(), batches = new TreeSet<>();
        double lo = Double.POSITIVE_INFINITY, hi = 0, wLo = Double.POSITIVE_INFINITY, wHi = 0;
        for (var e : sweep.panels().entrySet()) {
            SweepPlot.Panel column = new SweepPlot.Panel(
                    e.getKey().device(), e.getKey().backend(), e.getKey().precision(), 0);
            if (!columns.contains(column)) columns.add(column); // the map is in SweepPlot.ORDER
            depths.add(e.getKey().depth());
            for (var b : e.getValue().entrySet()) {
                batches.add(b.getKey());
                for (var w : b.getValue().entrySet()) {
                    lo = Math.min(lo, w.getValue());
                    hi = Math.max(hi, w.getValue());
                    wLo = Math.min(wLo, w.getKey());
                    wHi = Math.max(wHi, w.getKey());
                }
            }
        }
        // the same axes in every panel, so that panels compare by eye; whole decades so that log axes have labels
        double yMin = Math.pow(10, Math.floor(Math.log10(lo))), yMax = Math.pow(10, Math.ceil(Math.log10(hi) + 1e-9));
        double xMin = Math.pow(10, Math.floor(Math.log10(wLo))), xMax = Math.pow(10, Math.ceil(Math.log10(wHi) + 1e-9));
        List<Integer> batchList = new ArrayList<>(batches);

        int w = SweepPlot.PANEL_WIDTH, h = SweepPlot.PANEL_HEIGHT, top = SweepPlot.HEADER_HEIGHT;
        BufferedImage image =
                new BufferedImage(columns.size() * w, top + depths.size() * h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            text(g, sweep.title(), Font.BOLD, 16, 24, image.getWidth());
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int y = 44;
            for (String line : wrap(g, sweep.subtitle(), image.getWidth() - 24)) {
                if (y > top - 4) break;
                g.drawString(line, 12, y);
                y += 16;
            }
            int row = 0;
            for (int depth : depths) {
                for (int col = 0; col < columns.size(); col++) {
                    SweepPlot.Panel c = columns.get(col);
                    SweepPlot.Panel panel = new SweepPlot.Panel(c.device(), c.backend(), c.precision(), depth);
                    Map<Integer, TreeMap<Integer, Double>> lines =
                            sweep.panels().get(panel);
                    Graphics2D pg = (Graphics2D) g.create(col * w, top + row * h, w, h);
                    try {
                        if (lines == null) {
                            pg.setColor(Color.GRAY);
                            pg.drawRect(4, 4, w - 9, h - 9);
                            pg.drawString(panel.label() + ", depth " + depth + ": no results", 20, h / 2);
                        } else {
                            chart(panel, lines, batchList, xMin, xMax, yMin, yMax)
                                    .paint(pg, w, h);
                        }
                    } finally {
                        pg.dispose();
                    }
                }
                row++;
            }
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer in this Java runtime");
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A line of the title band, in a smaller font where it would not fit (down to 8 points, then clipped). */
    private static void text(Graphics2D g, String line, int style, int size, int y, int width) {
        Font f = new Font(Font.SANS_SERIF, style, size);
        while (f.getSize() > 8 && g.getFontMetrics(f).stringWidth(line) > width - 24)
            f = f.deriveFont((float) f.getSize() - 1);
        g.setFont(f);
        g.drawString(line, 12, y);
    }

    /** Words of text in lines that fit the width in the current font. */
    private static List<String> wrap(Graphics2D g, String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && g.getFontMetrics().stringWidth(line + " " + word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) line.append(' ');
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static XYChart chart(
            SweepPlot.Panel panel,
            Map<Integer, TreeMap<Integer, Double>> lines,
            List<Integer> batches,
            double xMin,
            double xMax,
            double yMin,
            double yMax) {
        StringBuilder net = new StringBuilder("[784");
        for (int l = 0; l < panel.depth(); l++) net.append(", w");
        net.append(", 10]");
        XYChart chart = new XYChartBuilder()
                .width(SweepPlot.PANEL_WIDTH)
                .height(SweepPlot.PANEL_HEIGHT)
                .title(panel.label() + ", depth " + panel.depth() + " " + net)
                .xAxisTitle("width w (log): " + widths(lines))
                .yAxisTitle("samples/s (log)")
                .build();
        var s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setXAxisLogarithmic(true);
        s.setYAxisLogarithmic(true);
        s.setXAxisMin(xMin);
        s.setXAxisMax(xMax);
        s.setYAxisMin(yMin);
        s.setYAxisMax(yMax);
        s.setYAxisDecimalPattern("#,##0");
        s.setXAxisDecimalPattern("#,##0");
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        s.setPlotGridLinesColor(new Color(0xdddddd));
        for (var line : lines.entrySet()) {
            int i = batches.indexOf(line.getKey());
            double[] x = line.getValue().keySet().stream()
                    .mapToDouble(Integer::doubleValue)
                    .toArray();
            double[] y = line.getValue().values().stream()
                    .mapToDouble(Double::doubleValue)
                    .toArray();
            XYSeries series = chart.addSeries("batch " + line.getKey(), x, y);
            series.setLineColor(COLOURS[i % COLOURS.length]);
            series.setMarkerColor(COLOURS[i % COLOURS.length]);
            series.setMarker(MARKERS[i % MARKERS.length]);
            series.setLineStyle(new BasicStroke(2f));
        }
        return chart;
    }

    private static String widths(Map<Integer, TreeMap<Integer, Double>> lines) {
        TreeSet<Integer> w = new TreeSet<>();
        for (TreeMap<Integer, Double> l : lines.values()) w.addAll(l.keySet());
        return String.join(", ", w.stream().map(String::valueOf).toList());
    }
}
