package dev.jbackprop.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Small IDX data sets in the MNIST file layout: 4×4 images (16 features), labels 0..2 (of MNIST's
 * 10 classes). Class c has row c bright and the other rows dim, with noise: easy to learn; one label in
 * ten is redrawn at random.
 */
final class TinyData {
    static final int FEATURES = 16;
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private TinyData() {}

    /** Writes the four files into dir (created) and returns dir. */
    static Path write(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(seed);
        writeSet(dir, TRAIN_IMAGES, TRAIN_LABELS, train, rng);
        writeSet(dir, TEST_IMAGES, TEST_LABELS, test, rng);
        return dir;
    }

    private static void writeSet(Path dir, String images, String labels, int n, Random rng) throws IOException {
        byte[] px = new byte[n * FEATURES];
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            lab[i] = (byte) (rng.nextInt(10) == 0 ? rng.nextInt(3) : c); // some label noise: accuracy stays below 100%
            for (int k = 0; k < FEATURES; k++) {
                boolean bright = k / 4 == c;
                px[i * FEATURES + k] = (byte) (bright ? 160 + rng.nextInt(96) : rng.nextInt(90));
            }
        }
        Files.write(dir.resolve(images), idx(0x00000803, new int[] {n, 4, 4}, px));
        Files.write(dir.resolve(labels), idx(0x00000801, new int[] {n}, lab));
    }

    static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        b.put(body);
        return b.array();
    }

    /** A copy of src in dst, then returns dst. */
    static Path copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        for (String f : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS})
            Files.copy(src.resolve(f), dst.resolve(f));
        return dst;
    }
}
