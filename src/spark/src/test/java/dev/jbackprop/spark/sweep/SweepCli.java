package dev.jbackprop.spark.sweep;

import dev.jbackprop.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** The command line in this JVM, as the tests run it, and tiny IDX data to train on. */
public final class SweepCli {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private SweepCli() {}

    public record Result(int code, String out, String err) {
        public List<String> errLines() {
            return err.lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("spark: "))
                    .toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static Result run(Object... args) {
        String[] a = Stream.of(args).map(String::valueOf).toArray(String[]::new);
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.execute(a, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Result(code, o.toString(), e.toString());
    }

    /**
     * Train's options of a tiny run on {@link #tinyData}: [16,8,10] (10 classes), 3 epochs on the first 240 training
     * images (the rest validate).
     */
    public static List<String> tinyRun(Path data) {
        return List.of(
                "--data",
                data.toString(),
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "3",
                "--train-size",
                "240");
    }

    /**
     * Small IDX data sets in MNIST's file layout: 4×4 images (16 features), labels 0..2 (of 10 classes); class c has
     * row c bright; one label in three is redrawn, so that accuracy stays well below 100% and runs differ.
     */
    public static Path tinyData(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(seed);
        write(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", train, rng);
        write(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test, rng);
        return dir;
    }

    private static void write(Path dir, String images, String labels, int n, Random rng) throws IOException {
        byte[] px = new byte[n * 16];
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            lab[i] = (byte) (rng.nextInt(3) == 0 ? rng.nextInt(3) : c);
            for (int k = 0; k < 16; k++) px[i * 16 + k] = (byte) (k / 4 == c ? 160 + rng.nextInt(96) : rng.nextInt(90));
        }
        Files.write(dir.resolve(images), idx(0x00000803, new int[] {n, 4, 4}, px));
        Files.write(dir.resolve(labels), idx(0x00000801, new int[] {n}, lab));
    }

    private static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        b.put(body);
        return b.array();
    }

    /** Every path under root, relative, sorted (what a refused command must leave as it was). */
    public static List<String> tree(Path root) throws IOException {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
