import dev.jbackprop.data.Csv;
import dev.jbackprop.data.CsvOptions;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * CSV load speed and memory (bench/data-load.sh runs it; see bench/README.md).
 *
 * <pre>
 *   gen-numeric OUT MB [SEED]     a numeric CSV of about MB megabytes: 32 float features ("%.6f"-like,
 *                                 mixed signs and magnitudes), then an integer label 0..9; header line
 *   mnist-csv OUTDIR              MNIST (from the cache) as mnist_train.csv / mnist_test.csv: label first,
 *                                 then the 784 pixels 0..255, no header
 *   load FILE LABELCOL REPEATS    reads FILE REPEATS times with Csv.read; MB/s of each (file bytes / s)
 *   rss-csv FILE LABELCOL [TEST]  reads FILE (and TEST against it) once; prints the process's peak RSS (VmHWM)
 *                                 and the heap in use
 *   cache-dir                     fetches MNIST into the cache when it is not there; prints the directory
 * </pre>
 */
public class DataLoadBench {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "gen-numeric" ->
                genNumeric(Path.of(a[1]), Long.parseLong(a[2]), a.length > 3 ? Long.parseLong(a[3]) : 1);
            case "mnist-csv" -> mnistCsv(Path.of(a[1]));
            case "load" -> load(Path.of(a[1]), a[2], Integer.parseInt(a[3]));
            case "rss-csv" -> {
                Dataset d = Csv.read(Path.of(a[1]), options(a[2]));
                Dataset t = a.length > 3 ? Csv.readTest(Path.of(a[3]), options(a[2]), d.schema()) : null;
                System.out.println(d + (t == null ? "" : " + " + t) + " " + LoadRss.memory());
            }
            case "cache-dir" -> System.out.println(Mnist.ensureCached(Mnist.cacheDir(null), System.err::println));
            default -> throw new IllegalArgumentException("unknown mode " + a[0]);
        }
    }

    static CsvOptions options(String labelColumn) {
        return CsvOptions.defaults().withTargets(CsvOptions.Column.parse(labelColumn));
    }

    static void load(Path file, String labelColumn, int repeats) throws IOException {
        double mb = Files.size(file) / 1e6;
        double[] rates = new double[repeats], cpuRates = new double[repeats];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            Dataset d = Csv.read(file, options(labelColumn));
            double s = (System.nanoTime() - t0) / 1e9, cpu = (os.getProcessCpuTime() - c0) / 1e9;
            rates[r] = mb / s;
            cpuRates[r] = mb / cpu;
            System.out.printf(
                    Locale.ROOT,
                    "run %d: %.1f MB in %.2f s = %.1f MB/s; %.2f CPU-s (all threads) = %.1f MB per CPU-s  (%s)%n",
                    r + 1,
                    mb,
                    s,
                    rates[r],
                    cpu,
                    cpuRates[r],
                    d);
        }
        Arrays.sort(rates);
        Arrays.sort(cpuRates);
        System.out.printf(
                Locale.ROOT,
                "%s: %.1f MB, median %.1f MB/s (best %.1f) wall; median %.1f MB per CPU-second; %d runs%n",
                file.getFileName(),
                mb,
                rates[repeats / 2],
                rates[repeats - 1],
                cpuRates[repeats / 2],
                repeats);
    }

    static void genNumeric(Path out, long megabytes, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        long target = megabytes * 1_000_000L;
        int features = 32;
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < features; k++) b.append("f").append(k).append(',');
            b.append("label\n");
            long written = 0;
            while (written < target) {
                for (int k = 0; k < features; k++) {
                    // magnitudes from 1e-3 to 1e3, six decimals as numpy.savetxt('%.6f') or pandas would write
                    double v = r.nextGaussian() * Math.pow(10, r.nextInt(-3, 4));
                    b.append(String.format(Locale.ROOT, "%.6f", v)).append(',');
                }
                b.append(r.nextInt(10)).append('\n');
                if (b.length() > 1 << 16) {
                    byte[] bytes = b.toString().getBytes(StandardCharsets.US_ASCII);
                    os.write(bytes);
                    written += bytes.length;
                    b.setLength(0);
                }
            }
            os.write(b.toString().getBytes(StandardCharsets.US_ASCII));
        }
        System.out.printf(Locale.ROOT, "wrote %s (%.1f MB)%n", out, Files.size(out) / 1e6);
    }

    static void mnistCsv(Path dir) throws IOException {
        Files.createDirectories(dir);
        Mnist m = Mnist.load(null, null, System.err::println);
        write(m.train(), dir.resolve("mnist_train.csv"));
        write(m.test(), dir.resolve("mnist_test.csv"));
    }

    /** Label first, then the pixels as integers 0..255 (the stored bytes), no header. */
    static void write(Dataset d, Path out) throws IOException {
        byte[] px = d.featureMatrix().uint8Array();
        int n = d.features();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < d.count(); i++) {
                b.append(d.classNames().get(d.label(i)));
                int s = d.storeIndex(i);
                for (int k = 0; k < n; k++) b.append(',').append(px[s * n + k] & 0xff);
                b.append('\n');
                os.write(b.toString().getBytes(StandardCharsets.US_ASCII));
                b.setLength(0);
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s (%.1f MB)%n", out, Files.size(out) / 1e6);
    }
}
