package dev.jbackprop.api;

import java.nio.file.Path;

/**
 * A model file that cannot be read or written: missing, truncated, not safetensors, tensors of the wrong shape or
 * type, metadata that describes no valid network, a directory that cannot be written to.
 */
public class ModelFileException extends JbackpropException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * A problem with a model file.
     *
     * @param file the file
     * @param message the whole message, starting with the file
     * @param cause the lower-level error, or null
     */
    public ModelFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /**
     * The file the problem is about.
     *
     * @return the file
     */
    public Path file() {
        return file;
    }
}
