package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's charts: written as PNG files an image reader takes, atomically (no temporary file left). */
class PlotsTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path dir;

    @Test
    void lineChartWithTwoAxes() throws Exception {
        double[] x = {1, 2, 3};
        Path png = dir.resolve("c.png");
        Plots.line(
                png,
                "title",
                "epoch",
                "loss",
                "accuracy %",
                false,
                List.of(
                        new Plots.Series("loss", x, new double[] {0.5, 0.3, 0.2}, false),
                        new Plots.Series("accuracy", x, new double[] {80, 90, 95}, true)));
        assertImage(png);
    }

    @Test
    void trackedGradientNorms() throws Exception {
        NetworkSpec spec = NetworkSpec.of(new int[] {6, 5, 4, 3}, Activation.TANH, null, Cost.CROSS_ENTROPY);
        float[] x = new float[6 * 4], y = new float[3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = (i % 7) / 7f;
        for (int j = 0; j < 4; j++) y[3 * j + j % 3] = 1;
        try (CpuOps ops = new CpuOps(1);
                Network net = new Network(ops, spec, 4, false);
                Metrics metrics = ops.allocateMetrics();
                GradientTracker t = new GradientTracker(net, dir.resolve("g.csv"))) {
            net.setParameters(Init.XAVIER.initialise(spec.layout(), 1));
            ops.upload(x, 0, net.x.block(), 0, x.length);
            ops.upload(y, 0, net.y.block(), 0, y.length);
            Step.forward(net, 4);
            Step.outputError(net, 4, metrics, true);
            Step.backward(net, 4);
            t.record(7, 0.5, 4);
            t.record(14, 1.0, 4);
            Path png = dir.resolve("g.png");
            Plots.trackedGradients(t, png, "test");
            assertImage(png);
        }
    }

    private void assertImage(Path png) throws Exception {
        byte[] sig = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, sig);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp.png")), "temporary file left");
        }
    }
}
