package dev.jbackprop.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one exception the file readers (IDX, safetensors, the MNIST loader) throw: a file that is
 * missing, unreadable, truncated or malformed. The message always starts with the file's path, then
 * says what is wrong with it and, where the user can do something about it, what to do.
 * Readers wrap every lower-level I/O error in this type.
 */
public class BadFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public BadFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public BadFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file (or directory) the problem is about. */
    public Path file() {
        return file;
    }

    /** The message without the leading path. */
    public String problem() {
        return problem;
    }

    /** Wraps a low-level I/O error, keeping its own message. */
    public static BadFileException wrap(Path file, String doing, IOException e) {
        if (e instanceof BadFileException b) return b;
        String what = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new BadFileException(file, "cannot " + doing + " (" + what + ")", e);
    }
}
