package dev.jbackprop.model;

/**
 * A configuration value the library cannot use: a number out of range, a network that cannot be built, sizes that
 * do not fit the data. {@link #setting()} says which value; the message names settings by their API names (see
 * {@link NamesSettings}).
 */
public class InvalidConfigException extends IllegalArgumentException implements NamesSettings {
    private static final long serialVersionUID = 1L;

    private final Setting setting;
    private final transient Wording wording;

    /**
     * A problem with one setting, worded "SETTING PROBLEM".
     *
     * @param setting the setting at fault
     * @param problem what is wrong with it, e.g. "must be a positive number, got 0"
     */
    public InvalidConfigException(Setting setting, String problem) {
        this(setting, Wording.of(setting, " " + problem));
    }

    /**
     * A problem with a setting, in a wording of its own (which may name other settings too).
     *
     * @param setting the setting at fault
     * @param wording the whole message
     */
    public InvalidConfigException(Setting setting, Wording wording) {
        super(wording.toString());
        this.setting = setting;
        this.wording = wording;
    }

    /** The setting at fault. */
    public Setting setting() {
        return setting;
    }

    @Override
    public Wording wording() {
        return wording;
    }
}
