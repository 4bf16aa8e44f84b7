package dev.jbackprop.cli;

import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Setting;

/** The command line's names for the library's {@link Setting}s: where the library says eta, the user reads --eta. */
final class Flags {
    private Flags() {}

    /**
     * The flag that sets a setting.
     *
     * @param s the setting
     * @return its flag, with its parameter where messages show one
     */
    static String of(Setting s) {
        return switch (s) {
            case LAYER_SIZES -> "--layers";
            case HIDDEN_ACTIVATIONS -> "--activation";
            case COST -> "--cost";
            case ETA -> "--eta";
            case LAMBDA -> "--lambda";
            case MOMENTUM -> "--momentum";
            case OPTIMIZER -> "--optimizer";
            case BETA1 -> "--beta1";
            case BETA2 -> "--beta2";
            case EPSILON -> "--epsilon";
            case WEIGHT_DECAY -> "--weight-decay";
            case LR_SCHEDULE -> "--lr-schedule";
            case WARMUP -> "--warmup";
            case PATIENCE -> "--early-stop";
            case MONITOR -> "--monitor";
            case BATCH -> "--batch";
            case EPOCHS -> "--epochs";
            case MAX_STEPS -> "--steps";
            case TRAIN_SIZE -> "--train-size";
            case VALIDATION_SIZE -> "--validation-size";
            case DATA_DIR -> "--data DIR";
            case THREADS -> "--threads";
            case DIVERGENCE_FACTOR -> "--divergence-factor";
        };
    }

    /**
     * An exception's message as the command line says it.
     *
     * @param e the exception
     * @return its wording with flags for settings
     */
    static String message(NamesSettings e) {
        return e.wording().render(Flags::of);
    }

    /**
     * An exception's message as the command line says it, for any exception.
     *
     * @param e the exception
     * @return {@link #message(NamesSettings)} where it names settings, else its message
     */
    static String messageOf(Throwable e) {
        return e instanceof NamesSettings n ? message(n) : e.getMessage();
    }
}
