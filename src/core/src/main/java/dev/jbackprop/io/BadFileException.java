package dev.jbackprop.io;

import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Wording;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one exception the file readers (IDX, safetensors, the MNIST loader) throw: a file that is
 * missing, unreadable, truncated or malformed. The message always starts with the file's path, then
 * says what is wrong with it and, where the user can do something about it, what to do (naming
 * settings through a {@link Wording}, see {@link NamesSettings}). Readers wrap every lower-level I/O
 * error in this type.
 */
public class BadFileException extends IOException implements NamesSettings {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final transient Wording problem;

    /**
     * A problem with a file.
     *
     * @param file the file or directory
     * @param problem what is wrong with it
     */
    public BadFileException(Path file, String problem) {
        this(file, Wording.of(problem), null);
    }

    /**
     * A problem with a file, caused by a lower-level error.
     *
     * @param file the file or directory
     * @param problem what is wrong with it
     * @param cause the lower-level error
     */
    public BadFileException(Path file, String problem, Throwable cause) {
        this(file, Wording.of(problem), cause);
    }

    /**
     * A problem with a file whose description names settings.
     *
     * @param file the file or directory
     * @param problem what is wrong with it
     * @param cause the lower-level error, or null
     */
    public BadFileException(Path file, Wording problem, Throwable cause) {
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
        return problem.toString();
    }

    /** The message without the leading path, as a {@link Wording}. */
    public Wording problemWording() {
        return problem;
    }

    @Override
    public Wording wording() {
        return Wording.of(file + ": ").then(problem);
    }

    /**
     * Wraps a low-level I/O error, keeping its own message.
     *
     * @param file the file or directory
     * @param doing what could not be done, e.g. "read the file"
     * @param e the error
     * @return e itself when it is already a BadFileException, else one saying "cannot DOING (e)"
     */
    public static BadFileException wrap(Path file, String doing, IOException e) {
        return wrap(file, Wording.of(doing), e);
    }

    /**
     * Wraps a low-level I/O error, keeping its own message; what could not be done may name settings.
     *
     * @param file the file or directory
     * @param doing what could not be done
     * @param e the error
     * @return e itself when it is already a BadFileException, else one saying "cannot DOING (e)"
     */
    public static BadFileException wrap(Path file, Wording doing, IOException e) {
        if (e instanceof BadFileException b) return b;
        String what = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new BadFileException(file, Wording.of("cannot ").then(doing).then(" (" + what + ")"), e);
    }
}
