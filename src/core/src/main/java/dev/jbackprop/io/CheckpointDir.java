package dev.jbackprop.io;

import dev.jbackprop.io.Checkpoint.Loaded;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's checkpoint directory: {@link Checkpoint} files named {@code ckpt-<step>.safetensors}, the newest
 * {@link #KEEP} kept, and the temporary files that writes cut short leave ({@link DirectoryLock} keeps a second
 * process out of the run's directory). {@link #latest} falls back to the previous checkpoint when the newest does
 * not verify.
 */
public final class CheckpointDir {
    /** Checkpoints kept in the directory (the newest ones). */
    public static final int KEEP = 2;

    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{1,18})\\.safetensors");
    private static final String TEMP_PREFIX = ".ckpt-";

    private CheckpointDir() {}

    /** The name of the checkpoint taken after {@code step} steps. */
    public static String fileName(long step) {
        return String.format("ckpt-%09d.safetensors", step);
    }

    /** The step a checkpoint file name stands for, or -1 if it is not one. */
    public static long stepOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The checkpoint files in dir, newest (highest step) first. */
    public static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (stepOf(p) >= 0 && Files.isRegularFile(p)) out.add(p);
        }
        out.sort(Comparator.comparingLong(CheckpointDir::stepOf).reversed());
        return out;
    }

    /**
     * Writes the snapshot as {@code dir/ckpt-<step>.safetensors} (atomically) and deletes all but the
     * newest {@link #KEEP} checkpoints. Returns the file.
     */
    public static Path save(
            Path dir, ParamLayout layout, TrainingSnapshot snap, String configJson, Map<String, String> extra)
            throws BadFileException {
        Path file = dir.resolve(fileName(snap.state().steps()));
        Checkpoint.write(file, layout, snap, configJson, extra);
        prune(dir, KEEP);
        return file;
    }

    /** Deletes all but the newest {@code keep} checkpoints in dir. */
    public static void prune(Path dir, int keep) throws BadFileException {
        try {
            List<Path> all = list(dir);
            for (int i = keep; i < all.size(); i++) Files.deleteIfExists(all.get(i));
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "remove old checkpoints", e);
        }
    }

    /** Removes every checkpoint and temporary file in dir (a fresh run into a directory that held one). */
    public static void clear(Path dir) throws BadFileException {
        try {
            for (Path p : list(dir)) Files.deleteIfExists(p);
            removeTemporaries(dir);
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "remove old checkpoints", e);
        }
    }

    /** Deletes the temporary files that writes cut short by a crash leave behind; returns how many. */
    public static int removeTemporaries(Path dir) throws IOException {
        int n = 0;
        if (!Files.isDirectory(dir)) return 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*.tmp")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                n++;
            }
        }
        return n;
    }

    /**
     * The newest checkpoint in dir that reads back whole and verifies; each newer one that does not is
     * reported to {@code warn} (one line each) and skipped. Returns null when there is none.
     */
    public static Loaded latest(Path dir, Consumer<String> warn) throws IOException {
        for (Path p : list(dir)) {
            try {
                return Checkpoint.read(p);
            } catch (BadFileException e) {
                warn.accept("skipping checkpoint " + e.getMessage() + "; trying the previous one");
            } catch (RuntimeException e) {
                warn.accept("skipping checkpoint " + p + ": unreadable (" + e + "); trying the previous one");
            }
        }
        return null;
    }

    /**
     * Renames the checkpoints in dir newer than {@code kept} (those {@link #latest} skipped) to
     * {@code *.corrupt}, so later resumes and pruning ignore them. Returns how many.
     */
    public static int setAsideNewer(Path dir, Loaded kept) throws IOException {
        long step = stepOf(kept.file());
        int n = 0;
        for (Path p : list(dir)) {
            if (stepOf(p) > step) {
                Files.move(p, p.resolveSibling(p.getFileName() + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
                n++;
            }
        }
        return n;
    }
}
