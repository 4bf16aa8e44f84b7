package dev.jbackprop.crash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes a tiny MNIST-shaped data set (the four IDX files) for CLI-level training runs. */
public final class TinyData {
    private TinyData() {}

    /**
     * side×side images of 10 classes: each class lights its own pixels, plus noise, so a small network
     * learns it. Returns dir.
     */
    public static Path write(Path dir, int side, int trainCount, int testCount, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(seed);
        write(dir, "train", side, trainCount, rnd);
        write(dir, "t10k", side, testCount, rnd);
        return dir;
    }

    private static void write(Path dir, String prefix, int side, int count, Random rnd) throws IOException {
        int pixels = side * side;
        ByteBuffer img = ByteBuffer.allocate(16 + count * pixels);
        img.putInt(0x00000803).putInt(count).putInt(side).putInt(side);
        ByteBuffer lab = ByteBuffer.allocate(8 + count);
        lab.putInt(0x00000801).putInt(count);
        for (int i = 0; i < count; i++) {
            int label = rnd.nextInt(10);
            lab.put((byte) label);
            for (int p = 0; p < pixels; p++) {
                boolean on = p % 10 == label || (p * 7 + label) % 13 == 0;
                int v = (on ? 160 : 0) + rnd.nextInt(96);
                img.put((byte) v);
            }
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), img.array());
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), lab.array());
    }
}
