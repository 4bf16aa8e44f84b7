package dev.jbackprop.diag;

import dev.jbackprop.diag.GradientNorms.Norms;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The vanishing gradient problem measured (the textbook's chapter 5): each layer's gradient norms averaged over a
 * fixed sample set ({@link GradientNorms.Averager}) at an initialisation and, optionally, during and after plain
 * SGD training from it.
 */
public final class GradientStudy {
    /** Samples per engine pass when averaging (the network's capacity). */
    public static final int MAX_CHUNK = 1000;

    private GradientStudy() {}

    /**
     * Training between the measurements.
     *
     * @param epochs epochs to train (0: only the measurement at the init)
     * @param batch mini-batch size
     * @param hyper the update (momentum included)
     * @param every measure every this many steps while training
     * @param track whether to measure while training (else only at the init and at the end)
     */
    public record Training(int epochs, int batch, Step.Hyper hyper, long every, boolean track) {}

    /**
     * One measurement.
     *
     * @param step steps done
     * @param epoch where the step stands, in epochs
     * @param norms every weight layer's norms
     */
    public record Point(long step, double epoch, Norms norms) {}

    /**
     * One initialisation's measurements.
     *
     * @param seed the init's seed (also the shuffling's)
     * @param atInit the norms at the init
     * @param after the norms after training, or null without training
     * @param testAccuracy after training, or NaN
     * @param track every point measured, the init's first
     */
    public record Run(long seed, Norms atInit, Norms after, double testAccuracy, List<Point> track) {}

    /**
     * Norms at the init drawn from seed and, with training, during and after it.
     *
     * @param ops the backend
     * @param spec the network
     * @param init the initialisation
     * @param seed its seed
     * @param measureData the samples the gradient is averaged over
     * @param trainData the training set (null without training)
     * @param testData the test set (null without training)
     * @param t the training between measurements
     * @return the measurements
     * @throws dev.jbackprop.engine.DivergedException when training diverges
     */
    public static Run measure(
            Ops ops,
            NetworkSpec spec,
            Init init,
            long seed,
            DeviceData measureData,
            DeviceData trainData,
            DeviceData testData,
            Training t) {
        int capacity = Math.max(Math.min(measureData.count, MAX_CHUNK), t.epochs() > 0 ? t.batch() : 1);
        try (Network nw = new Network(ops, spec, capacity, t.hyper().momentum() > 0);
                GradientNorms.Averager avg = new GradientNorms.Averager(nw, measureData)) {
            nw.setParameters(init.initialise(spec.layout(), seed));
            Norms atInit = avg.measure();
            List<Point> points = new ArrayList<>();
            points.add(new Point(0, 0, atInit));
            if (t.epochs() == 0) return new Run(seed, atInit, null, Double.NaN, points);
            Trainer.Config cfg = new Trainer.Config(t.batch(), t.epochs(), 0, seed, t.hyper());
            try (Trainer trainer = new Trainer(nw, trainData, null, cfg)) { // the test set once, at the end
                int stepsPerEpoch = trainer.stepsPerEpoch();
                trainer.run(new Trainer.Listener() {
                    @Override
                    public void step(int epoch, int stepInEpoch) {
                        if (t.track() && trainer.steps() % t.every() == 0) {
                            points.add(new Point(
                                    trainer.steps(), (double) trainer.steps() / stepsPerEpoch, avg.measure()));
                        }
                    }
                });
                double acc = testData == null
                        ? Double.NaN
                        : trainer.evaluate(testData).accuracy();
                Norms after = avg.measure();
                if (points.get(points.size() - 1).step() != trainer.steps())
                    points.add(new Point(trainer.steps(), (double) trainer.steps() / stepsPerEpoch, after));
                return new Run(seed, atInit, after, acc, points);
            }
        }
    }

    /**
     * Writes {@code seed,step,epoch,layer,weight_norm,bias_norm} for every measurement point (layer L is the
     * output layer).
     *
     * @param file the CSV
     * @param runs the measurements
     * @throws IOException when the file cannot be written
     */
    public static void writeCsv(Path file, List<Run> runs) throws IOException {
        StringBuilder sb = new StringBuilder("seed,step,epoch,layer,weight_norm,bias_norm\n");
        for (Run r : runs) {
            for (Point p : r.track()) {
                for (int l = 0; l < p.norms().layers(); l++) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "%d,%d,%.4f,%d,%.6e,%.6e%n",
                            r.seed(),
                            p.step(),
                            p.epoch(),
                            l + 1,
                            p.norms().weight()[l],
                            p.norms().bias()[l]));
                }
            }
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }
}
