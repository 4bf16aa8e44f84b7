package dev.jbackprop.data;

import dev.jbackprop.io.BadFileException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX files of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, the
 * element type 0x08 = unsigned byte, the number of dimensions, then each dimension as a u32),
 * followed by the elements. Images are 0x00000803 (count × rows × cols), labels 0x00000801
 * (count). Gzipped files (starting 1f 8b) are read transparently.
 *
 * <p>Every size the header claims is checked against the file's length before memory is allocated
 * for it; all problems are reported as {@link BadFileException}.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    private static final int UNSIGNED_BYTE = 0x08;
    /** Largest Java array, with the usual head-room. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Deflate cannot expand by more than about 1032:1; a bit of slack for headers. */
    private static final long GZIP_MAX_RATIO = 1100;

    private Idx() {}

    /** The raw contents of an image file: {@code count} images of rows × cols unsigned bytes, row by row. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        public int pixelsPerImage() {
            return rows * cols;
        }

        /** Pixel (r, c) of image i, 0..255. */
        public int pixel(int i, int r, int c) {
            return pixels[(i * rows + r) * cols + c] & 0xff;
        }
    }

    /** Reads an image file (magic 0x00000803). */
    public static Images readImages(Path file) throws BadFileException {
        Parsed p = read(file, IMAGES_MAGIC);
        return new Images(p.dims[0], p.dims[1], p.dims[2], p.data);
    }

    /** Reads a label file (magic 0x00000801) whose labels must lie in [0, classes). */
    public static int[] readLabels(Path file, int classes) throws BadFileException {
        checkClasses(classes);
        int[] labels = readLabels(file);
        checkLabels(file, labels, classes);
        return labels;
    }

    /** Reads a label file (magic 0x00000801): each label 0..255. */
    public static int[] readLabels(Path file) throws BadFileException {
        Parsed p = read(file, LABELS_MAGIC);
        int[] labels = new int[p.data.length];
        for (int i = 0; i < labels.length; i++) labels[i] = p.data[i] & 0xff;
        return labels;
    }

    private static void checkClasses(int classes) {
        if (classes < 1 || classes > 256) throw new IllegalArgumentException("classes must be 1..256, got " + classes);
    }

    private static void checkLabels(Path file, int[] labels, int classes) throws BadFileException {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= classes) {
                throw new BadFileException(
                        file,
                        "label " + labels[i] + " of item " + i + " is outside 0.." + (classes - 1)
                                + " (is this a label file for " + classes + " classes?)");
            }
        }
    }

    /**
     * Reads an image file and its label file into a data set over {@code classes} classes (named "0" …):
     * one feature per pixel (row by row), kept as the file's bytes and decoded to [0, 1] (v/255) per
     * batch ({@link FeatureMatrix}).
     */
    public static Dataset read(Path imagesFile, Path labelsFile, int classes) throws BadFileException {
        checkClasses(classes);
        Images images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        checkPair(imagesFile, images, labelsFile, labels);
        checkLabels(labelsFile, labels, classes);
        return dataset(images, labels, classes);
    }

    /**
     * Reads a training and a test pair of files. The classes are {@code classes} when it is positive,
     * else the largest label in either label file plus one; the test images must have the training
     * images' size.
     */
    public static TrainTest read(Path trainImages, Path trainLabels, Path testImages, Path testLabels, int classes)
            throws BadFileException {
        if (classes > 0) checkClasses(classes);
        Images trI = readImages(trainImages);
        int[] trL = readLabels(trainLabels);
        checkPair(trainImages, trI, trainLabels, trL);
        Images teI = readImages(testImages);
        int[] teL = readLabels(testLabels);
        checkPair(testImages, teI, testLabels, teL);
        if (teI.pixelsPerImage() != trI.pixelsPerImage()) {
            throw new BadFileException(
                    testImages,
                    "holds images of " + teI.rows() + " × " + teI.cols() + " pixels but " + trainImages
                            + " holds images of " + trI.rows() + " × " + trI.cols()
                            + "; the files do not belong together");
        }
        int c = classes;
        if (c <= 0) {
            for (int l : trL) c = Math.max(c, l + 1);
            for (int l : teL) c = Math.max(c, l + 1);
        }
        checkLabels(trainLabels, trL, c);
        checkLabels(testLabels, teL, c);
        return new TrainTest(dataset(trI, trL, c), dataset(teI, teL, c));
    }

    /** Images to predict on (no labels), checked against the training data's number of features. */
    public static Dataset readFeatures(Path imagesFile, DataSchema training) throws BadFileException {
        Images images = readImages(imagesFile);
        if (training != null) training.checkFeatures(imagesFile, images.pixelsPerImage());
        return Dataset.unlabeled(FeatureMatrix.wrapUint8(images.pixelsPerImage(), images.pixels(), List.of()));
    }

    private static void checkPair(Path imagesFile, Images images, Path labelsFile, int[] labels)
            throws BadFileException {
        if (labels.length != images.count()) {
            throw new BadFileException(
                    labelsFile,
                    "holds " + labels.length + " labels but " + imagesFile + " holds " + images.count()
                            + " images; the two files do not belong together");
        }
    }

    private static Dataset dataset(Images images, int[] labels, int classes) {
        FeatureMatrix x = FeatureMatrix.wrapUint8(images.pixelsPerImage(), images.pixels(), List.of());
        return Dataset.classification(x, labels, Dataset.numberedNames("", classes), "label");
    }

    private record Parsed(int[] dims, byte[] data) {}

    private static Parsed read(Path file, int wantMagic) throws BadFileException {
        long fileSize;
        try {
            if (!Files.isRegularFile(file)) {
                throw new BadFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
            }
            fileSize = Files.size(file);
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file size", e);
        }
        boolean gzip;
        try (InputStream raw = Files.newInputStream(file)) {
            byte[] sig = raw.readNBytes(2);
            gzip = sig.length == 2 && (sig[0] & 0xff) == 0x1f && (sig[1] & 0xff) == 0x8b;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
        try (InputStream in = gzip
                ? new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file)), 1 << 16)
                : new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return parse(file, in, gzip, fileSize, wantMagic);
        } catch (OutOfMemoryError e) {
            // Only reached for sizes the file really holds (claims are checked first).
            throw new BadFileException(file, "not enough memory to read the file; give Java more memory (e.g. -Xmx4g)");
        } catch (BadFileException e) {
            throw e;
        } catch (EOFException e) {
            throw new BadFileException(
                    file, "the " + (gzip ? "gzip stream" : "file") + " ends early (truncated download?)", e);
        } catch (ZipException e) {
            throw new BadFileException(file, "corrupt gzip data (" + e.getMessage() + "); download the file again", e);
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    private static Parsed parse(Path file, InputStream in, boolean gzip, long fileSize, int wantMagic)
            throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new BadFileException(
                    file,
                    "only " + head.length + " bytes" + (gzip ? " after decompression" : "")
                            + "; an IDX file starts with a 4-byte magic number");
        }
        int wantDims = wantMagic & 0xff;
        String kind = wantMagic == IMAGES_MAGIC ? "an IDX image file" : "an IDX label file";
        String expect = String.format("expected %s (magic %08x)", kind, wantMagic);
        if (head[0] != 0 || head[1] != 0) {
            throw new BadFileException(
                    file,
                    String.format(
                            "not an IDX file: it starts %02x %02x %02x %02x; %s",
                            head[0] & 0xff, head[1] & 0xff, head[2] & 0xff, head[3] & 0xff, expect));
        }
        int type = head[2] & 0xff;
        int ndims = head[3] & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new BadFileException(
                    file,
                    String.format(
                            "element type 0x%02x (%s) is not supported, only 0x08 (unsigned byte); %s",
                            type, typeName(type), expect));
        }
        if (ndims != wantDims) {
            String is = ndims == 3
                    ? "an image file (3 dimensions)"
                    : ndims == 1 ? "a label file (1 dimension)" : ndims + " dimensions";
            throw new BadFileException(
                    file,
                    "this is " + is + "; " + expect
                            + (ndims == 1 || ndims == 3 ? " — are the file names swapped?" : ""));
        }
        int[] dims = new int[ndims];
        long product = 1;
        StringBuilder shape = new StringBuilder();
        for (int d = 0; d < ndims; d++) {
            byte[] b = in.readNBytes(4);
            if (b.length < 4)
                throw new BadFileException(file, "truncated inside the header (dimension " + d + " of " + ndims + ")");
            long v = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
            shape.append(d == 0 ? "" : " × ").append(v);
            if (v == 0)
                throw new BadFileException(
                        file, "dimension " + d + " is 0 (shape " + shape + "): the file holds no data");
            product = v > MAX_ELEMENTS || product > MAX_ELEMENTS / v ? MAX_ELEMENTS + 1 : product * v;
            dims[d] = (int) Math.min(v, Integer.MAX_VALUE);
        }
        if (product > MAX_ELEMENTS) {
            throw new BadFileException(
                    file,
                    "header claims shape " + shape + ", more than the " + MAX_ELEMENTS
                            + " bytes one array can hold (corrupt header?)");
        }
        long headerBytes = 4 + 4L * ndims;
        if (!gzip) {
            long body = fileSize - headerBytes;
            if (body < product) {
                throw new BadFileException(
                        file,
                        "truncated: the header claims shape " + shape + " (" + product + " bytes) but only " + body
                                + " bytes follow it; download the file again");
            }
            if (body > product) {
                throw new BadFileException(
                        file,
                        (body - product) + " bytes of trailing data after the " + product + " bytes that shape " + shape
                                + " needs; not a valid IDX file");
            }
            byte[] data = in.readNBytes((int) product);
            if (data.length != product) throw new BadFileException(file, "the file shrank while being read");
            return new Parsed(dims, data);
        }
        // Gzip: the true length is only known by decompressing, so bound the claim by what the
        // compressed size could hold, then grow the buffer only as data actually arrives.
        if (product + headerBytes > fileSize * GZIP_MAX_RATIO) {
            throw new BadFileException(
                    file,
                    "the header claims shape " + shape + " (" + product + " bytes), more than a " + fileSize
                            + "-byte gzip file can hold; the file is truncated or corrupt");
        }
        byte[] data = new byte[(int) Math.min(product, 1 << 20)];
        int filled = 0;
        while (filled < product) {
            if (filled == data.length) data = Arrays.copyOf(data, (int) Math.min(product, 2L * data.length));
            int r = in.read(data, filled, data.length - filled);
            if (r < 0) {
                throw new BadFileException(
                        file,
                        "truncated: the header claims shape " + shape + " (" + product
                                + " bytes) but the decompressed data ends after " + filled
                                + " bytes; download the file again");
            }
            filled += r;
        }
        if (in.read() >= 0) {
            throw new BadFileException(
                    file,
                    "trailing data after the " + product + " bytes that shape " + shape
                            + " needs; not a valid IDX file");
        }
        return new Parsed(dims, data);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown";
        };
    }
}
