package dev.jbackprop.api;

/**
 * A value given to a builder, an option or a factory cannot be used: a number out of range, a network that cannot
 * be built (softmax in a hidden layer, cross-entropy without its softmax output), sizes that do not fit the data.
 * {@link #setting()} names the API method or parameter at fault.
 */
public class InvalidConfigurationException extends JbackpropException {
    private static final long serialVersionUID = 1L;

    /** The API method or parameter at fault. */
    private final String setting;

    /**
     * A problem with one setting; the message reads "SETTING: PROBLEM".
     *
     * @param setting the API method or parameter, e.g. "TrainingOptions.batchSize"
     * @param problem what is wrong, e.g. "must be at least 1, got 0"
     */
    public InvalidConfigurationException(String setting, String problem) {
        super(setting + ": " + problem);
        this.setting = setting;
    }

    /**
     * A problem in a wording of its own.
     *
     * @param setting the API method or parameter at fault
     * @param message the whole message
     * @param cause the lower-level error, or null
     */
    InvalidConfigurationException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /**
     * The API method or parameter at fault.
     *
     * @return e.g. "TrainingOptions.batchSize" or "Model.Builder.loss"
     */
    public String setting() {
        return setting;
    }
}
