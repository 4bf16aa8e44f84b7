package dev.jbackprop.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the learning rate moves from step to step: η_t = η·{@link #factor}(t), computed on the host for every step
 * t = 1, 2, … of a run of T steps (the epochs' steps, or the step limit when that comes first). The rules are
 * PyTorch's schedulers stepped once per update (s = t − 1 counts the updates before this one):
 *
 * <pre>
 *   constant          1
 *   step:EVERY:GAMMA  γ^⌊s / EVERY⌋ (StepLR); EVERY in steps ("500") or epochs ("2e")
 *   cosine            (1 + cos(π s / T)) / 2 (CosineAnnealingLR, T_max = T, η_min = 0)
 *   onecycle          OneCycleLR(max_lr = η, total_steps = T): from η/25 up to η over the first 30% of the
 *                     steps, then down to η/25/10⁴, both halves cosine
 *   warm-up W steps   t/W for t ≤ W; after it the rule runs over the remaining T − W steps as if they were the
 *                     whole run (s = t − W − 1)
 * </pre>
 *
 * @param kind the rule
 * @param every STEP: the period, in steps or (with {@code everyEpochs}) epochs; else 0
 * @param everyEpochs STEP: whether {@code every} counts epochs
 * @param gamma STEP: the factor per period, in (0, 1]; else 1
 * @param warmup the warm-up steps (0: none)
 */
public record LearningRateSchedule(Kind kind, long every, boolean everyEpochs, double gamma, long warmup) {

    /** The rules. */
    public enum Kind {
        CONSTANT,
        STEP,
        COSINE,
        ONECYCLE
    }

    /** OneCycleLR's defaults: pct_start, div_factor, final_div_factor. */
    static final double PCT_START = 0.3, DIV_FACTOR = 25, FINAL_DIV_FACTOR = 1e4;

    /** The learning rate as given, every step. */
    public static final LearningRateSchedule CONSTANT = new LearningRateSchedule(Kind.CONSTANT, 0, false, 1, 0);

    private static final Pattern STEP = Pattern.compile("step:(\\d{1,12})(e?):([^:]+)");

    /** Checks the values. */
    public LearningRateSchedule {
        if (kind == null) throw new InvalidConfigException(Setting.LR_SCHEDULE, "must be given");
        if (warmup < 0)
            throw new InvalidConfigException(Setting.WARMUP, "must be zero or a number of steps, got " + warmup);
        if (kind == Kind.STEP) {
            if (every < 1 || (everyEpochs && every > Integer.MAX_VALUE))
                throw new InvalidConfigException(
                        Setting.LR_SCHEDULE,
                        "step:EVERY:GAMMA needs EVERY ≥ 1 (steps, or epochs with e), got " + every);
            if (!(gamma > 0 && gamma <= 1))
                throw new InvalidConfigException(
                        Setting.LR_SCHEDULE, "step:EVERY:GAMMA needs GAMMA in (0, 1], got " + gamma);
        } else if (every != 0 || everyEpochs || gamma != 1) {
            throw new IllegalArgumentException(kind + " takes no period or factor");
        }
    }

    /**
     * A schedule from its text.
     *
     * @param text "constant", "step:EVERY:GAMMA" (EVERY steps, or "Ne" epochs), "cosine" or "onecycle"
     * @param warmup the warm-up steps
     * @return the schedule
     * @throws InvalidConfigException when the text is none of these
     */
    public static LearningRateSchedule parse(String text, long warmup) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "constant":
                return new LearningRateSchedule(Kind.CONSTANT, 0, false, 1, warmup);
            case "cosine":
                return new LearningRateSchedule(Kind.COSINE, 0, false, 1, warmup);
            case "onecycle":
                return new LearningRateSchedule(Kind.ONECYCLE, 0, false, 1, warmup);
            default:
                Matcher m = STEP.matcher(t);
                if (m.matches()) {
                    double gamma;
                    try {
                        gamma = Double.parseDouble(m.group(3));
                    } catch (NumberFormatException e) {
                        gamma = Double.NaN;
                    }
                    return new LearningRateSchedule(
                            Kind.STEP, Long.parseLong(m.group(1)), !m.group(2).isEmpty(), gamma, warmup);
                }
                throw new InvalidConfigException(
                        Setting.LR_SCHEDULE,
                        "must be constant, step:EVERY:GAMMA (EVERY steps, or Ne for epochs), cosine or onecycle; got '"
                                + text + "'");
        }
    }

    /** The text {@link #parse} reads back (without the warm-up). */
    @Override
    public String toString() {
        return switch (kind) {
            case CONSTANT -> "constant";
            case COSINE -> "cosine";
            case ONECYCLE -> "onecycle";
            case STEP -> "step:" + every + (everyEpochs ? "e" : "") + ":" + gamma;
        };
    }

    /** True when the rate is the same at every step. */
    public boolean isConstant() {
        return kind == Kind.CONSTANT && warmup == 0;
    }

    /**
     * η_t / η for step t of a run.
     *
     * @param t the step, 1 for the first
     * @param total T, the run's steps in all (at least t)
     * @param stepsPerEpoch the steps of one epoch (for periods in epochs)
     * @return the factor, positive for every t ≤ T
     */
    public double factor(long t, long total, long stepsPerEpoch) {
        if (t < 1) throw new IllegalArgumentException("steps count from 1, got " + t);
        if (t <= warmup) return (double) t / warmup;
        long s = t - warmup - 1; // updates before this one, after the warm-up
        long steps = Math.max(1, total - warmup); // the steps the rule spans
        return switch (kind) {
            case CONSTANT -> 1.0;
            case STEP -> Math.pow(gamma, Math.floorDiv(s, everyEpochs ? every * Math.max(1, stepsPerEpoch) : every));
            case COSINE -> (1 + Math.cos(Math.PI * Math.min(s, steps - 1) / steps)) / 2;
            case ONECYCLE -> oneCycle(Math.min(s, steps - 1), steps);
        };
    }

    /** torch.optim.lr_scheduler.OneCycleLR's get_lr at step_num s of T (two phases, cosine), divided by max_lr. */
    private static double oneCycle(long s, long total) {
        double initial = 1.0 / DIV_FACTOR, min = initial / FINAL_DIV_FACTOR;
        double end1 = PCT_START * total - 1, end2 = total - 1;
        if (s <= end1) return cosineAnneal(initial, 1.0, s / end1);
        return cosineAnneal(1.0, min, (s - end1) / (end2 - end1));
    }

    private static double cosineAnneal(double start, double end, double pct) {
        return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    }
}
