package dev.jbackprop.data;

import dev.jbackprop.io.BadFileException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads NumPy {@code .npz} archives (a zip of {@code .npy} arrays, stored or deflated, as
 * {@code numpy.savez} and {@code savez_compressed} write them).
 *
 * <p><b>Arrays.</b> {@code x} and {@code y}; or {@code x_train} and {@code y_train}, optionally with
 * {@code x_test} and {@code y_test} (then one file gives both sets). x: uint8 (kept as uint8, decoded
 * to [0, 1] per batch), float32 or float64 (stored as float32: a float64 value beyond float32's range
 * is an error), shape [samples, features…] flattened to features (a 1-D x is one feature), finite. y:
 * shape [samples] or [samples, outputs]; an integer (or bool) dtype means classes, a float dtype
 * regression targets — unless a task is asked for. Arrays must be little-endian (or single-byte) and
 * in C order; other dtypes, Fortran order, a shape that does not match are errors that name the array.
 *
 * <p><b>Classes</b> follow the CSV rules ({@link Labels}): class names are the label values' shortest
 * forms ("0", "1", …), sorted numerically, taken from the training labels; a test label the training
 * labels lack is an error naming the array and item.
 */
public final class Npz {
    private static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npz() {}

    /**
     * The training set (x/y or x_train/y_train) and, when the file holds x_test/y_test, the test set.
     *
     * @param task the task, or null to take it from y's dtype (integers: classification, floats: regression)
     */
    public static TrainTest read(Path file, Task task) throws BadFileException {
        try (Archive a = new Archive(file)) {
            boolean split = a.has("x_train") || a.has("y_train");
            String xk = split ? "x_train" : "x", yk = split ? "y_train" : "y";
            a.require(xk, yk);
            if (split && a.has("x_test") != a.has("y_test")) {
                a.require("x_test", "y_test");
            }
            Array x = a.array(xk), y = a.array(yk);
            Dataset train = trainingSet(a, x, y, task);
            Dataset test =
                    split && a.has("x_test") ? testSet(a, a.array("x_test"), a.array("y_test"), train.schema()) : null;
            return new TrainTest(train, test);
        }
    }

    /**
     * A test set read against the training set's schema: x_test/y_test when the file has them, else x/y.
     */
    public static Dataset readTest(Path file, DataSchema training) throws BadFileException {
        if (training.task() == null) throw new IllegalArgumentException("the training schema has no task");
        try (Archive a = new Archive(file)) {
            boolean split = a.has("x_test") || a.has("y_test");
            String xk = split ? "x_test" : "x", yk = split ? "y_test" : "y";
            a.require(xk, yk);
            return testSet(a, a.array(xk), a.array(yk), training);
        }
    }

    /** Features to predict on: array x (else x_test), checked against the training data's number of features. */
    public static Dataset readFeatures(Path file, DataSchema training) throws BadFileException {
        try (Archive a = new Archive(file)) {
            String xk = a.has("x") || !a.has("x_test") ? "x" : "x_test";
            a.require(xk);
            Array x = a.array(xk);
            FeatureMatrix fm = a.features(x);
            if (training != null) training.checkFeatures(file, fm.features());
            return Dataset.unlabeled(fm);
        }
    }

    private static Dataset trainingSet(Archive a, Array x, Array y, Task task) throws BadFileException {
        a.checkSamples(x, y);
        FeatureMatrix fm = a.features(x);
        Task t = task != null ? task : y.type.integer ? Task.CLASSIFICATION : Task.REGRESSION;
        if (t == Task.REGRESSION)
            return Dataset.regression(fm, a.floatTargets(y), Dataset.defaultTargetNames(y.columns()));
        double[] values = a.labelValues(y);
        Labels labels = new Labels();
        for (double v : values) labels.addNumber(v);
        Labels.Classes classes = labels.classes();
        return Dataset.classification(fm, classes.index(), classes.names(), y.key);
    }

    private static Dataset testSet(Archive a, Array x, Array y, DataSchema training) throws BadFileException {
        a.checkSamples(x, y);
        FeatureMatrix fm = a.features(x);
        training.checkFeatures(a.file, fm.features());
        if (training.task() == Task.REGRESSION) {
            if (y.columns() != training.outputs()) {
                throw a.error(
                        y,
                        "has " + y.columns() + " target column" + (y.columns() == 1 ? "" : "s")
                                + " per sample but the training data had " + training.outputs());
            }
            return Dataset.regression(fm, a.floatTargets(y), training.targetNames());
        }
        double[] values = a.labelValues(y);
        Map<String, Integer> at = new HashMap<>();
        for (int c = 0; c < training.classNames().size(); c++)
            at.put(training.classNames().get(c), c);
        int[] index = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            Integer c = at.get(Labels.canonical(values[i]));
            if (c == null) {
                throw a.error(
                        y,
                        "item " + i + " has label " + Labels.canonical(values[i])
                                + ", which the training data never has (its classes: "
                                + Csv.shortList(training.classNames()) + ")");
            }
            index[i] = c;
        }
        return Dataset.classification(
                fm, index, training.classNames(), training.targetNames().get(0));
    }

    // ---- .npy ------------------------------------------------------------------------------------

    /** A dtype we read: its size and whether it holds integers. */
    private enum Type {
        U1(1, true),
        I1(1, true),
        B1(1, true),
        U2(2, true),
        I2(2, true),
        U4(4, true),
        I4(4, true),
        U8(8, true),
        I8(8, true),
        F4(4, false),
        F8(8, false);

        final int size;
        final boolean integer;

        Type(int size, boolean integer) {
            this.size = size;
            this.integer = integer;
        }
    }

    /** An array's header, its data still unread in {@code in}. */
    private record Array(String key, String descr, Type type, long[] shape, InputStream in) {
        long samples() {
            return shape.length == 0 ? 1 : shape[0];
        }

        /** Values per sample (product of the trailing dimensions). */
        long perSample() {
            long p = 1;
            for (int d = 1; d < shape.length; d++) p *= shape[d];
            return p;
        }

        int columns() {
            return (int) perSample();
        }

        /** Bytes of data the shape needs, or −1 when that overflows. */
        long bytes() {
            long p = type.size;
            for (long d : shape) {
                if (d != 0 && p > Long.MAX_VALUE / d) return -1;
                p *= d;
            }
            return p;
        }

        String shapeText() {
            StringBuilder b = new StringBuilder("(");
            for (int d = 0; d < shape.length; d++) b.append(d == 0 ? "" : ", ").append(shape[d]);
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    /** An open archive; names the file in its errors. */
    private static final class Archive implements AutoCloseable {
        final Path file;
        private final ZipFile zip;
        private final Map<String, ZipEntry> entries = new HashMap<>();

        Archive(Path file) throws BadFileException {
            this.file = file;
            if (!Files.isRegularFile(file)) {
                throw new BadFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
            }
            ZipFile z = null;
            try {
                z = new ZipFile(file.toFile());
                for (var en = z.entries(); en.hasMoreElements(); ) {
                    ZipEntry e = en.nextElement();
                    String name = e.getName();
                    if (!e.isDirectory() && name.endsWith(".npy")) entries.put(name.substring(0, name.length() - 4), e);
                }
            } catch (ZipException | RuntimeException e) { // the JDK's zip reader throws both on malformed archives
                close(z);
                throw new DataFormatException(file, "is not an .npz file: not a zip archive (" + e.getMessage() + ")");
            } catch (IOException e) {
                close(z);
                throw BadFileException.wrap(file, "open the file", e);
            }
            zip = z;
        }

        private static void close(ZipFile z) {
            if (z == null) return;
            try {
                z.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        void require(String... keys) throws DataFormatException {
            List<String> missing = new ArrayList<>();
            for (String k : keys) if (!has(k)) missing.add(k);
            if (missing.isEmpty()) return;
            List<String> present = new ArrayList<>(entries.keySet());
            Collections.sort(present);
            throw new DataFormatException(
                    file,
                    "lacks the array" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " (it holds "
                            + (present.isEmpty() ? "no .npy arrays" : String.join(", ", present))
                            + "); an .npz data file holds x and y, or x_train and y_train (and optionally x_test"
                            + " and y_test)");
        }

        DataFormatException error(Array a, String problem) {
            return new DataFormatException(file, "array " + a.key + " " + problem);
        }

        Array array(String key) throws BadFileException {
            ZipEntry e = entries.get(key);
            try {
                InputStream in = new BufferedInputStream(entryStream(key, e), 1 << 16);
                byte[] magic = in.readNBytes(8);
                for (int i = 0; i < 6; i++) {
                    if (magic.length < 8 || magic[i] != MAGIC[i]) {
                        throw new DataFormatException(file, "array " + key + " is not an .npy array (no NUMPY magic)");
                    }
                }
                int major = magic[6] & 0xff;
                int headerLength;
                if (major == 1) {
                    byte[] l = in.readNBytes(2);
                    if (l.length < 2) throw new EOFException();
                    headerLength = (l[0] & 0xff) | (l[1] & 0xff) << 8;
                } else if (major == 2 || major == 3) {
                    byte[] l = in.readNBytes(4);
                    if (l.length < 4) throw new EOFException();
                    headerLength =
                            ByteBuffer.wrap(l).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    if (headerLength < 0 || headerLength > 1 << 20)
                        throw new DataFormatException(file, "array " + key + " has an implausible header length");
                } else {
                    throw new DataFormatException(
                            file,
                            "array " + key + " is .npy format version " + major
                                    + ", which this reader does not know (1, 2 and 3 are read)");
                }
                byte[] h = in.readNBytes(headerLength);
                if (h.length < headerLength) throw new EOFException();
                Array a = parseHeader(
                        key, new String(h, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), in);
                long body = e.getSize() - (8 + (major == 1 ? 2 : 4) + headerLength);
                long want = a.bytes();
                if (want < 0) throw error(a, "has shape " + a.shapeText() + ", too large to read");
                if (e.getSize() >= 0 && body != want) {
                    throw error(
                            a,
                            "holds " + body + " bytes of data but shape " + a.shapeText() + " of '" + a.descr
                                    + "' needs " + want + (body < want ? " (truncated file?)" : ""));
                }
                return a;
            } catch (BadFileException ex) {
                throw ex;
            } catch (EOFException ex) {
                throw new DataFormatException(file, "array " + key + " ends inside its header (truncated file?)");
            } catch (ZipException ex) {
                throw new DataFormatException(
                        file, "array " + key + " is a malformed zip entry (" + ex.getMessage() + ")");
            } catch (IOException ex) {
                throw BadFileException.wrap(file, "read array " + key, ex);
            }
        }

        private InputStream entryStream(String key, ZipEntry e) throws IOException {
            try {
                return zip.getInputStream(e);
            } catch (RuntimeException ex) { // the JDK's zip reader throws these on some malformed entries too
                throw new DataFormatException(
                        file, "array " + key + " is a malformed zip entry (" + ex.getMessage() + ")");
            }
        }

        private Array parseHeader(String key, String header, InputStream in) throws DataFormatException {
            Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) {
                throw new DataFormatException(
                        file,
                        "array " + key + " has a header this reader does not understand ("
                                + Csv.shorten(header.strip()) + "); plain arrays of numbers are read, not"
                                + " structured or object arrays");
            }
            String descr = d.group(1);
            List<Long> dims = new ArrayList<>();
            for (String part : s.group(1).split(",")) {
                String p = part.strip();
                if (p.isEmpty()) continue;
                try {
                    long v = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
                    if (v < 0) throw new NumberFormatException();
                    dims.add(v);
                } catch (NumberFormatException e) {
                    throw new DataFormatException(file, "array " + key + " has a malformed shape (" + s.group(1) + ")");
                }
            }
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            Type type = type(key, descr);
            Array a = new Array(key, descr, type, shape, in);
            if (f.group(1).equals("True") && shape.length > 1) {
                throw error(
                        a, "is stored in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)");
            }
            return a;
        }

        private Type type(String key, String descr) throws DataFormatException {
            String d = descr.strip();
            char order = d.isEmpty() ? '?' : d.charAt(0);
            String code = order == '<' || order == '>' || order == '|' || order == '=' ? d.substring(1) : d;
            Type t = switch (code) {
                case "u1" -> Type.U1;
                case "i1" -> Type.I1;
                case "b1" -> Type.B1;
                case "u2" -> Type.U2;
                case "i2" -> Type.I2;
                case "u4" -> Type.U4;
                case "i4" -> Type.I4;
                case "u8" -> Type.U8;
                case "i8" -> Type.I8;
                case "f4" -> Type.F4;
                case "f8" -> Type.F8;
                default -> null;
            };
            if (t == null) {
                throw new DataFormatException(
                        file,
                        "array " + key + " has dtype '" + descr + "', which is not read; use uint8, float32 or float64"
                                + " for x and an integer or float dtype for y");
            }
            if (order == '>' && t.size > 1) {
                throw new DataFormatException(
                        file,
                        "array " + key + " is big-endian ('" + descr + "'); save it little-endian (e.g. x.astype('<"
                                + code + "'))");
            }
            return t;
        }

        void checkSamples(Array x, Array y) throws DataFormatException {
            if (x.shape.length == 0) throw error(x, "is a scalar; x needs the shape [samples, features...]");
            if (y.shape.length == 0 || y.shape.length > 2) {
                throw error(y, "has shape " + y.shapeText() + "; y needs the shape [samples] or [samples, outputs]");
            }
            if (x.samples() != y.samples()) {
                throw new DataFormatException(
                        file,
                        "array " + x.key + " has " + x.samples() + " samples (shape " + x.shapeText() + ") but " + y.key
                                + " has " + y.samples() + " (shape " + y.shapeText() + ")");
            }
            if (x.samples() == 0) throw error(x, "has no samples (shape " + x.shapeText() + ")");
        }

        FeatureMatrix features(Array x) throws BadFileException {
            if (x.shape.length == 0) throw error(x, "is a scalar; x needs the shape [samples, features...]");
            long n = x.perSample(), m = x.samples();
            if (m == 0) throw error(x, "has no samples (shape " + x.shapeText() + ")");
            if (n == 0) throw error(x, "has no features (shape " + x.shapeText() + ")");
            if (m > 0 && n > MAX_VALUES / m) {
                throw error(
                        x, "of shape " + x.shapeText() + " has more values than one array holds (" + MAX_VALUES + ")");
            }
            int total = (int) (n * m);
            switch (x.type) {
                case U1 -> {
                    byte[] b = new byte[total];
                    readFully(x, b, 0, total);
                    return FeatureMatrix.wrapUint8((int) n, b, List.of());
                }
                case F4, F8 -> {
                    float[] f = new float[total];
                    readFloats(x, f, total, (int) n, true);
                    return FeatureMatrix.float32Unchecked((int) n, f, List.of());
                }
                default ->
                    throw error(
                            x,
                            "has dtype '" + x.descr + "'; features must be uint8, float32 or float64 (convert with"
                                    + " x.astype('float32'))");
            }
        }

        float[] floatTargets(Array y) throws BadFileException {
            long total = y.samples() * y.perSample();
            if (total > MAX_VALUES) throw error(y, "of shape " + y.shapeText() + " is too large for one array");
            float[] f = new float[(int) total];
            if (y.type.integer) {
                double[] d = readNumbers(y, (int) total);
                for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
                return f;
            }
            readFloats(y, f, (int) total, y.columns(), false);
            return f;
        }

        double[] labelValues(Array y) throws BadFileException {
            if (y.perSample() != 1) {
                throw error(
                        y, "has shape " + y.shapeText() + "; class labels need the shape [samples] (one label each)");
            }
            double[] v = readNumbers(y, (int) y.samples());
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) throw error(y, "item " + i + " is " + v[i] + "; a label must be finite");
            }
            return v;
        }

        /** Any dtype's values as doubles (exact for every integer up to 2^53). */
        private double[] readNumbers(Array a, int total) throws BadFileException {
            double[] out = new double[total];
            byte[] buf = new byte[1 << 16];
            int per = buf.length / a.type.size, done = 0;
            while (done < total) {
                int k = Math.min(per, total - done);
                readFully(a, buf, 0, k * a.type.size);
                ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < k; i++) {
                    out[done + i] = switch (a.type) {
                        case U1, B1 -> bb.get() & 0xff;
                        case I1 -> bb.get();
                        case U2 -> bb.getShort() & 0xffff;
                        case I2 -> bb.getShort();
                        case U4 -> bb.getInt() & 0xffffffffL;
                        case I4 -> bb.getInt();
                        case U8 -> {
                            long l = bb.getLong();
                            yield l >= 0 ? l : (double) (l >>> 1) * 2 + (l & 1);
                        }
                        case I8 -> bb.getLong();
                        case F4 -> bb.getFloat();
                        case F8 -> bb.getDouble();
                    };
                }
                done += k;
            }
            return out;
        }

        /** Float32 or float64 data into floats, each finite (and, from float64, within float32's range). */
        private void readFloats(Array a, float[] dst, int total, int perSample, boolean features)
                throws BadFileException {
            byte[] buf = new byte[1 << 16];
            int size = a.type.size, per = buf.length / size, done = 0;
            ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            while (done < total) {
                int k = Math.min(per, total - done);
                readFully(a, buf, 0, k * size);
                if (size == 4) bb.asFloatBuffer().get(dst, done, k);
                else for (int i = 0; i < k; i++) dst[done + i] = (float) bb.getDouble(i * 8);
                for (int i = done; i < done + k; i++) {
                    if (!Float.isFinite(dst[i])) {
                        double raw = size == 4 ? dst[i] : bb.getDouble((i - done) * 8);
                        throw error(
                                a,
                                "sample " + (i / perSample) + ", " + (features ? "feature " : "output ")
                                        + (i % perSample) + " is " + (Double.isNaN(raw) ? "NaN" : raw)
                                        + (Double.isFinite(raw) ? " (beyond float32's range)" : "") + "; "
                                        + (features ? "features" : "targets") + " must be finite");
                    }
                }
                done += k;
            }
        }

        private void readFully(Array a, byte[] b, int off, int len) throws BadFileException {
            try {
                int got = a.in.readNBytes(b, off, len);
                if (got < len) {
                    throw error(
                            a,
                            "ends early: its header says shape " + a.shapeText() + " of '" + a.descr
                                    + "' but the data stops short (truncated file?)");
                }
            } catch (ZipException e) {
                throw new DataFormatException(
                        file, "array " + a.key + " holds corrupt compressed data (" + e.getMessage() + ")");
            } catch (EOFException e) {
                throw error(a, "ends early (truncated file?)");
            } catch (BadFileException e) {
                throw e;
            } catch (IOException e) {
                throw BadFileException.wrap(file, "read array " + a.key, e);
            }
        }

        @Override
        public void close() {
            try {
                zip.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }
    }
}
