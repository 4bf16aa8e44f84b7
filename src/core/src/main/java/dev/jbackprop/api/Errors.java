package dev.jbackprop.api;

import dev.jbackprop.backend.cuda.CublasCompat;
import dev.jbackprop.backend.cuda.GpuException;
import dev.jbackprop.data.DataFormatException;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import java.nio.file.Path;

/**
 * The one place where the library's internal exceptions become the API's: settings named by the API's methods,
 * files and lines kept as fields.
 */
final class Errors {
    private Errors() {}

    /** The API's name for a setting an internal message names. */
    static String apiName(Setting s) {
        return switch (s) {
            case LAYER_SIZES -> "the layer sizes (Model.Builder input/hidden/output)";
            case HIDDEN_ACTIVATIONS -> "Model.Builder.hidden";
            case COST -> "Model.Builder.loss";
            case ETA -> "Optimizer.sgd(learningRate)";
            case LAMBDA -> "Optimizer.l2";
            case MOMENTUM -> "Optimizer.momentum";
            case BATCH -> "TrainingOptions.batchSize";
            case EPOCHS -> "TrainingOptions.epochs";
            case MAX_STEPS -> "TrainingOptions.maxSteps";
            case TRAIN_SIZE, VALIDATION_SIZE -> "TrainingOptions.validationFraction";
            case DATA_DIR -> "Data.read(path)";
            default -> s.apiName();
        };
    }

    /** An internal runtime exception as the API's, or itself when it has no API counterpart. */
    static RuntimeException translate(RuntimeException e) {
        if (e instanceof JbackpropException) return e;
        if (e instanceof InvalidConfigException c)
            return new InvalidConfigurationException(
                    apiName(c.setting()), c.wording().render(Errors::apiName), c);
        if (e instanceof DivergedException d)
            return new TrainingDivergedException(
                    "training diverged: " + d.wording().render(Errors::apiName), d.epoch, d.step, d.layer, d);
        if (e instanceof CublasCompat.CublasUnavailableException u)
            return new BackendUnavailableException(u.getMessage(), u.getMessage());
        if (e instanceof GpuException g) return new BackendException(g.getMessage(), g);
        return e;
    }

    /** A data file's problem. */
    static DataException data(BadFileException e) {
        String message = e.wording().render(Errors::apiName);
        if (e instanceof DataFormatException f) return new DataException(f.file(), f.line(), f.column(), message, e);
        return new DataException(e.file(), -1, -1, message, e);
    }

    /** A model file's problem. */
    static ModelFileException modelFile(Path file, BadFileException e) {
        return new ModelFileException(
                e.file() != null ? e.file() : file, e.wording().render(Errors::apiName), e);
    }
}
