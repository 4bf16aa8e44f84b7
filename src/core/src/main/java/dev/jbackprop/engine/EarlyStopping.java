package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import java.util.Locale;

/**
 * Which epoch was best on the validation set, and whether training should stop: after each epoch the validation
 * loss and accuracy are {@link #observe}d; the monitored one improves when it is strictly better than the best so
 * far (lower loss, higher accuracy; NaN never improves), and with a patience P training stops once P epochs in a
 * row have not improved it (Keras's EarlyStopping with min_delta 0). Its whole state is the best epoch and value,
 * so a resumed run carries on from {@link #restore}.
 */
public final class EarlyStopping {
    /** The validation figure watched. */
    public enum Monitor {
        LOSS("loss"),
        ACCURACY("accuracy");

        /** The name in configurations and on the command line. */
        public final String cliName;

        Monitor(String cliName) {
            this.cliName = cliName;
        }

        /**
         * The monitor of a name.
         *
         * @param name "loss" or "accuracy"
         * @return the monitor
         * @throws InvalidConfigException for any other name
         */
        public static Monitor parse(String name) {
            String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            for (Monitor m : values()) if (m.cliName.equals(n)) return m;
            throw new InvalidConfigException(Setting.MONITOR, "must be loss or accuracy, got '" + name + "'");
        }
    }

    private final Monitor monitor;
    private final int patience;
    private int bestEpoch;
    private double best = Double.NaN;

    /**
     * @param monitor the figure watched
     * @param patience epochs without improvement before stopping; 0: never stop (only track the best epoch)
     */
    public EarlyStopping(Monitor monitor, int patience) {
        if (patience < 0)
            throw new InvalidConfigException(
                    Setting.PATIENCE, "must be zero (off) or a number of epochs, got " + patience);
        this.monitor = monitor;
        this.patience = patience;
    }

    /** Records epoch {@code epoch}'s validation figures; true when the monitored one improved on the best. */
    public boolean observe(int epoch, double loss, double accuracy) {
        double v = monitor == Monitor.LOSS ? loss : accuracy;
        boolean improved = !Double.isNaN(v) && (bestEpoch == 0 || (monitor == Monitor.LOSS ? v < best : v > best));
        if (improved) {
            best = v;
            bestEpoch = epoch;
        }
        return improved;
    }

    /** True when, after epoch {@code epoch}, the last {@code patience} epochs have not improved on the best. */
    public boolean shouldStop(int epoch) {
        return patience > 0 && epoch - bestEpoch >= patience;
    }

    /** Continues from a saved state (bestEpoch 0: none yet). */
    public void restore(int bestEpoch, double best) {
        this.bestEpoch = bestEpoch;
        this.best = bestEpoch == 0 ? Double.NaN : best;
    }

    public Monitor monitor() {
        return monitor;
    }

    public int patience() {
        return patience;
    }

    /** The best epoch so far, 0 before any improved. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The monitored figure at the best epoch (NaN before one). */
    public double best() {
        return best;
    }
}
