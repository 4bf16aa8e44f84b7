package dev.jbackprop.data;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import de.siegmar.fastcsv.reader.AbstractBaseCsvCallbackHandler;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.RecordType;
import dev.jbackprop.io.BadFileException;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads CSV and TSV files ({@code .csv}, {@code .tsv}, either gzipped: {@code .csv.gz}, {@code .tsv.gz};
 * gzip is recognised by its magic bytes) into a {@link Dataset} of float32 features.
 *
 * <p><b>Layout.</b> Fields as RFC 4180 says (FastCSV): quoted fields may hold the delimiter, doubled
 * quotes and line breaks; LF or CRLF line ends; empty lines are skipped; a UTF-8 byte-order mark is
 * skipped; the text must be UTF-8. Every row has the same number of fields. The target column(s)
 * ({@link CsvOptions#targets()}, by default the last column) hold the labels or regression targets;
 * <i>every other column is a numeric feature</i>. Numbers are Java/C decimal floats ("3", "-0.5",
 * "1e-3", " 2.5 " — surrounding spaces are ignored; no "f"/"d" suffix), parsed to the nearest float32
 * (FastDoubleParser, correctly rounded). An empty cell, a non-number, NaN or an infinite value
 * (including a number beyond float32's range) in a feature is an error naming the line and column.
 *
 * <p><b>Header.</b> {@link CsvOptions.Header#YES}/{@code NO} say it; {@code AUTO} (the default) takes
 * the first row as a header when one of its cells outside the target columns is not empty and not a
 * number (a feature column name), and always when a target column is given by name. A header whose
 * names are all numbers (pandas' "0,1,2,…") is not detected: say YES.
 *
 * <p><b>Labels and the task.</b> Read without a task (null) the task is inferred: every label a number
 * and at least one not an integer → regression; otherwise (integers, or any string) classification.
 * Several target columns are always regression. Class names are kept sorted — numerically when every
 * label is a number ("2" before "10"), else by code point — not in order of appearance; a number's name
 * is its shortest form ("3" for 3, 3.0, 3e0), a string label's name is the cell without surrounding
 * spaces. An inferred classification with more than {@value Labels#MAX_INFERRED_CLASSES} classes is
 * refused as a likely regression target; ask for classification to have it anyway.
 *
 * <p><b>Test and prediction data</b> are read against the training set's {@link DataSchema}: the same
 * task, number of features and (when both files have a header) feature names; labels map to the
 * training classes, and a label the training set never had is an error naming its line.
 *
 * <p><b>Reading.</b> The file is streamed, never held whole: blocks of about 4 MB of whole rows (cut after
 * a newline) are parsed by FastCSV on one thread per core (at most 8) and joined in order; line numbers
 * in errors are the file's. A quote character in a block means a block boundary could fall inside a
 * quoted field, so such a file is read in one piece on one thread. Features go into float chunks and
 * end in one array (while the chunks are copied, the features exist twice). Numbers: plain decimals
 * whose digits fit 2^53 take a short exact path ({@link DecimalParser}), everything else
 * FastDoubleParser.
 */
public final class Csv {
    private static final int MAX_VALUES = Integer.MAX_VALUE - 8;
    /** Floats per storage chunk while reading: just under 4 MB, so that a chunk fills G1 regions without waste. */
    private static final int CHUNK_FLOATS = (1 << 20) - 64;
    /** Bytes per block read in parallel, and of the first block (read on the caller's thread). */
    static final int BLOCK_BYTES = 4 << 20, FIRST_BLOCK_BYTES = 1 << 20;
    /** Threads that parse blocks. */
    static final int THREADS = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));

    private Csv() {}

    /** The delimiter a file name implies: tab for .tsv / .tsv.gz, comma otherwise. */
    public static char delimiterFor(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        return n.endsWith(".tsv") ? '\t' : ',';
    }

    /** A training set, task inferred. */
    public static Dataset read(Path file, CsvOptions options) throws BadFileException {
        return read(file, options, (Task) null);
    }

    /**
     * A training set.
     *
     * @param task the task, or null to infer it from the labels
     * @throws DataFormatException for a file that cannot be used (names the line and column)
     * @throws BadFileException when the file cannot be read
     * @throws IllegalArgumentException for options that contradict each other (a named column without a
     *     header, classification with several target columns)
     */
    public static Dataset read(Path file, CsvOptions options, Task task) throws BadFileException {
        if (task == Task.CLASSIFICATION && options.targets().size() > 1) {
            throw new IllegalArgumentException("classification takes one label column, not "
                    + options.targets().size() + " target columns");
        }
        return run(file, options, Mode.TRAIN, task, null, BLOCK_BYTES, THREADS);
    }

    /**
     * A test set read like {@code training}: same task, features and classes.
     *
     * @throws DataFormatException also for a label the training set did not have, or another number
     *     of features or targets
     */
    public static Dataset readTest(Path file, CsvOptions options, DataSchema training) throws BadFileException {
        if (training.task() == null) throw new IllegalArgumentException("the training schema has no task");
        return run(file, options, Mode.TEST, training.task(), training, BLOCK_BYTES, THREADS);
    }

    /**
     * Features to predict on, checked against the training set: a file with exactly its number of
     * feature columns, or with the target column(s) still present (then they are skipped).
     *
     * @throws DataFormatException also for another number of features
     */
    public static Dataset readFeatures(Path file, CsvOptions options, DataSchema training) throws BadFileException {
        return run(file, options, Mode.FEATURES, null, training, BLOCK_BYTES, THREADS);
    }

    enum Mode {
        TRAIN,
        TEST,
        FEATURES
    }

    /** How target cells are kept. */
    private enum TargetMode {
        NONE,
        LABELS, // numbers or strings, decided at the end (training, one label column)
        FLOATS, // regression values
        SCHEMA_CLASSES // classes of the training set (test)
    }

    private static final int OK = 0, EMPTY = 1, NOT_NUMBER = 2, NOT_FINITE = 3;

    /** Carries a DataFormatException out of FastCSV's callbacks. */
    private static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient DataFormatException error;

        Abort(DataFormatException error) {
            super(null, null, false, false);
            this.error = error;
        }
    }

    private static final class Handler extends AbstractBaseCsvCallbackHandler<Object> {
        private final Path file;
        private final CsvOptions options;
        private final char delimiter;
        private final Mode mode;
        private final Task task;
        private final DataSchema schema;

        // layout, known after the first record
        private int columns = -1;
        private long firstLine;
        private boolean header;
        private List<String> headerNames = List.of();
        private final List<String> first = new ArrayList<>();
        private int[] featureOf; // column → feature index or −1
        private int[] targetOf; // column → target slot or −1
        private int features;
        private int targetCount;
        private TargetMode targetMode = TargetMode.NONE;

        // storage
        private final List<float[]> chunks = new ArrayList<>();
        private float[] chunk;
        private int chunkRows;
        private int rowInChunk;
        private int rows;
        private Labels labels;
        private float[] targetValues;
        private int[] classIndex;
        private Map<String, Integer> schemaClasses;

        // the current record
        private DataFormatException pending;
        private int status;

        Handler(Path file, CsvOptions options, char delimiter, Mode mode, Task task, DataSchema schema) {
            this.file = file;
            this.options = options;
            this.delimiter = delimiter;
            this.mode = mode;
            this.task = task;
            this.schema = schema;
        }

        /** A handler for a later block of the same file: the layout of {@code first}, room for {@code rowHint} rows. */
        Handler(Handler first, int rowHint) {
            this(first.file, first.options, first.delimiter, first.mode, first.task, first.schema);
            columns = first.columns;
            firstLine = first.firstLine;
            header = first.header;
            headerNames = first.headerNames;
            featureOf = first.featureOf;
            targetOf = first.targetOf;
            features = first.features;
            targetCount = first.targetCount;
            schemaClasses = first.schemaClasses;
            chunkRows = Math.max(1, rowHint);
            prepareTargets();
        }

        /** Parses {@code in} (a whole file, or a block of whole rows) into this handler's rows. */
        void parse(InputStream in) throws BadFileException {
            try (CsvReader<Object> csv = CsvReader.builder()
                    .fieldSeparator(delimiter)
                    .skipEmptyLines(true)
                    .allowExtraFields(true)
                    .allowMissingFields(true)
                    .build(this, reader(in))) {
                csv.iterator().hasNext(); // the handler consumes every record: one call reads them all
            } catch (CsvParseException | UncheckedIOException e) {
                throw translate(e);
            } catch (Abort a) {
                throw a.error;
            } catch (IOException e) {
                throw readError(file, e);
            }
        }

        private BadFileException translate(RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof Abort a) return a.error;
                if (t instanceof IllegalArgumentException i) throw i;
                if (t instanceof CharacterCodingException) {
                    return new DataFormatException(
                            file, line(), -1, null, "is not UTF-8 text (" + t + "); save the file as UTF-8");
                }
                if (t instanceof ZipException) {
                    return new BadFileException(file, "corrupt gzip data (" + t.getMessage() + ")", t);
                }
                if (t instanceof EOFException) {
                    return new BadFileException(file, "the gzip stream ends early (truncated file?)", t);
                }
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            if (e instanceof UncheckedIOException u) return BadFileException.wrap(file, "read the file", u.getCause());
            return new DataFormatException(file, line(), -1, null, "malformed CSV: " + root.getMessage());
        }

        private long line() {
            return getStartingLineNumber();
        }

        // ---- FastCSV callbacks -----------------------------------------------------------------

        @Override
        protected void handleBegin(long startingLineNumber) {
            pending = null;
        }

        @Override
        protected void handleField(int column, char[] buf, int offset, int len, boolean quoted) {
            if (columns < 0) {
                first.add(new String(buf, offset, len));
                return;
            }
            if (column >= columns) return; // reported by buildRecord
            int f = featureOf[column];
            if (f >= 0) {
                float v = parseFloat(buf, offset, len);
                if (status != OK) {
                    fail(column, buf, offset, len, "feature");
                    return;
                }
                if (chunk == null) newChunk();
                chunk[rowInChunk * features + f] = v;
            } else if (targetOf[column] >= 0) {
                target(targetOf[column], column, buf, offset, len);
            }
        }

        @Override
        protected Object buildRecord() {
            if (getRecordType() != RecordType.DATA) return null;
            if (columns < 0) {
                setUp();
                return null;
            }
            int got = getFieldCount();
            if (got != columns) {
                throw new Abort(new DataFormatException(
                        file,
                        line(),
                        -1,
                        null,
                        "has " + got + " field" + (got == 1 ? "" : "s") + " but line " + firstLine + " has " + columns
                                + "; every row needs the same number of fields"));
            }
            if (pending != null) throw new Abort(pending);
            endRow();
            return null; // consumed: FastCSV goes on to the next record
        }

        // ---- the first record: layout and header -----------------------------------------------

        private void setUp() {
            int n = first.size();
            firstLine = line();
            boolean named = options.targets().stream().anyMatch(c -> c.name() != null);
            if (named && options.header() == CsvOptions.Header.NO) {
                throw new IllegalArgumentException(
                        "a target column is given by name but the file is to be read without a header");
            }
            List<CsvOptions.Column> wanted = options.targets();
            if (mode == Mode.FEATURES) {
                if (n == schema.features()) wanted = List.of();
                else if (n != schema.features() + options.targets().size())
                    throw new Abort(featureCountError(n - options.targets().size(), n));
            }
            boolean forcedHeader = options.header() == CsvOptions.Header.YES || (named && !wanted.isEmpty());
            int[] targetCols = new int[wanted.size()];
            for (int t = 0; t < targetCols.length; t++) targetCols[t] = resolve(wanted.get(t), n);
            featureOf = new int[n];
            targetOf = new int[n];
            Arrays.fill(targetOf, -1);
            for (int t = 0; t < targetCols.length; t++) {
                if (targetOf[targetCols[t]] >= 0) {
                    throw new IllegalArgumentException(
                            "column index " + targetCols[t] + " is chosen twice as a target");
                }
                targetOf[targetCols[t]] = t;
            }
            features = 0;
            for (int c = 0; c < n; c++) featureOf[c] = targetOf[c] >= 0 ? -1 : features++;
            targetCount = targetCols.length;
            if (features == 0) {
                throw new Abort(new DataFormatException(
                        file,
                        firstLine,
                        -1,
                        null,
                        "has " + n + " column" + (n == 1 ? "" : "s") + " and no feature column besides the target"
                                + (targetCount == 1 ? "" : "s")));
            }
            header = switch (options.header()) {
                case YES -> true;
                case NO -> false;
                case AUTO -> forcedHeader || looksLikeHeader();
            };
            columns = n;
            if (header) headerNames = List.copyOf(first);
            checkAgainstSchema();
            chunkRows = Math.max(1, CHUNK_FLOATS / features);
            prepareTargets();
            if (!header) {
                for (int c = 0; c < n; c++) {
                    char[] cell = first.get(c).toCharArray();
                    handleField(c, cell, 0, cell.length, false);
                }
                if (pending != null) throw new Abort(pending);
                endRow();
            }
            first.clear();
        }

        private int resolve(CsvOptions.Column c, int n) {
            if (c.name() != null) {
                int at = first.indexOf(c.name());
                if (at < 0) {
                    throw new Abort(new DataFormatException(
                            file,
                            line(),
                            -1,
                            null,
                            "has no column named \"" + c.name() + "\" (its header: " + shortList(first) + ")"));
                }
                return at;
            }
            int at = c.index() < 0 ? n - 1 : c.index();
            if (at >= n) {
                throw new Abort(new DataFormatException(
                        file,
                        line(),
                        -1,
                        null,
                        "has " + n + " column" + (n == 1 ? "" : "s") + " (indices 0.." + (n - 1) + "), no column index "
                                + at + " for the target"));
            }
            return at;
        }

        private boolean looksLikeHeader() {
            for (int c = 0; c < first.size(); c++) {
                if (targetOf[c] >= 0) continue;
                char[] cell = first.get(c).toCharArray();
                parseFloat(cell, 0, cell.length);
                if (status == NOT_NUMBER) return true;
            }
            return false;
        }

        private void checkAgainstSchema() {
            if (schema == null) return;
            if (features != schema.features()) throw new Abort(featureCountError(features, columns));
            if (mode == Mode.TEST) {
                int want = schema.task() == Task.CLASSIFICATION
                        ? 1
                        : schema.targetNames().size();
                if (targetCount != want) {
                    throw new Abort(new DataFormatException(
                            file,
                            "is read with " + targetCount + " target column" + (targetCount == 1 ? "" : "s")
                                    + " but the training data had " + want));
                }
            }
            if (header && !schema.featureNames().isEmpty()) {
                List<String> names = featureNames();
                for (int c = 0, f = 0; c < columns; c++) {
                    if (featureOf[c] < 0) continue;
                    if (!names.get(f).equals(schema.featureNames().get(f))) {
                        throw new Abort(new DataFormatException(
                                file,
                                firstLine,
                                c,
                                names.get(f),
                                "is feature " + f + " here but the training data's feature " + f + " is \""
                                        + schema.featureNames().get(f)
                                        + "\"; give the columns in the training data's order"));
                    }
                    f++;
                }
            }
        }

        private DataFormatException featureCountError(int got, int n) {
            String why = "has " + n + " column" + (n == 1 ? "" : "s") + " (" + got + " feature" + (got == 1 ? "" : "s")
                    + ") but the training data had " + schema.features() + " feature"
                    + (schema.features() == 1 ? "" : "s");
            if (mode == Mode.FEATURES) {
                why = "has " + n + " column" + (n == 1 ? "" : "s") + " but the training data had "
                        + schema.features() + " feature" + (schema.features() == 1 ? "" : "s") + " (and "
                        + options.targets().size() + " target column"
                        + (options.targets().size() == 1 ? "" : "s")
                        + ", which may be left in or out)";
            }
            return new DataFormatException(file, firstLine, -1, null, why);
        }

        private void prepareTargets() {
            if (targetCount == 0 || mode == Mode.FEATURES) return;
            if (mode == Mode.TEST && task == Task.CLASSIFICATION) {
                targetMode = TargetMode.SCHEMA_CLASSES;
                if (schemaClasses == null) {
                    schemaClasses = new HashMap<>();
                    for (int c = 0; c < schema.classNames().size(); c++)
                        schemaClasses.put(schema.classNames().get(c), c);
                }
                classIndex = new int[1024];
            } else if (task == Task.REGRESSION || targetCount > 1) {
                targetMode = TargetMode.FLOATS;
                targetValues = new float[1024 * targetCount];
            } else {
                targetMode = TargetMode.LABELS;
                labels = new Labels();
            }
        }

        // ---- cells ----------------------------------------------------------------------------

        private void target(int slot, int column, char[] buf, int offset, int len) {
            switch (targetMode) {
                case LABELS -> {
                    double v = parseDouble(buf, offset, len);
                    if (status == NOT_NUMBER) labels.addString(new String(buf, offset, len).strip());
                    else if (status == OK && Math.abs(v) <= Float.MAX_VALUE) labels.addNumber(v);
                    else fail(column, buf, offset, len, "label");
                }
                case FLOATS -> {
                    double v = parseDouble(buf, offset, len);
                    if (status == OK && Math.abs(v) > Float.MAX_VALUE) status = NOT_FINITE;
                    if (status != OK) {
                        fail(column, buf, offset, len, "target");
                        return;
                    }
                    if (targetValues.length < (rows + 1) * targetCount)
                        targetValues = Arrays.copyOf(targetValues, grow(targetValues.length));
                    targetValues[rows * targetCount + slot] = (float) v;
                }
                case SCHEMA_CLASSES -> {
                    double v = parseDouble(buf, offset, len);
                    String name;
                    if (status == NOT_NUMBER) name = new String(buf, offset, len).strip();
                    else if (status == OK) name = Labels.canonical(v);
                    else {
                        fail(column, buf, offset, len, "label");
                        return;
                    }
                    Integer c = schemaClasses.get(name);
                    if (c == null) {
                        if (pending == null) {
                            pending = new DataFormatException(
                                    file,
                                    line(),
                                    column,
                                    columnName(column),
                                    "label \"" + shorten(name) + "\" never appears in the training data (its classes: "
                                            + shortList(schema.classNames()) + ")");
                        }
                        return;
                    }
                    if (classIndex.length <= rows) classIndex = Arrays.copyOf(classIndex, grow(classIndex.length));
                    classIndex[rows] = c;
                }
                case NONE -> {}
            }
        }

        private static int grow(int length) {
            return (int) Math.min(MAX_VALUES, 2L * length);
        }

        private void newChunk() {
            chunk = new float[chunkRows * features];
            chunks.add(chunk);
            rowInChunk = 0;
        }

        private void endRow() {
            rows++;
            if (++rowInChunk == chunkRows) chunk = null;
            if ((long) (rows + 1) * features > MAX_VALUES) {
                throw new Abort(new DataFormatException(
                        file,
                        line(),
                        -1,
                        null,
                        "holds more than " + rows + " rows of " + features + " features, more values than one array"
                                + " holds (" + MAX_VALUES + ")"));
            }
        }

        private void fail(int column, char[] buf, int offset, int len, String what) {
            if (pending != null) return;
            String cell = new String(buf, offset, len);
            String s = cell.strip();
            String problem;
            if (status == EMPTY) {
                problem = "the " + what + " cell is empty; every " + (what.equals("feature") ? "feature" : what)
                        + " needs a value";
            } else if (status == NOT_FINITE || isNanOrInfinity(s)) {
                problem = what + " \"" + shorten(s) + "\" is "
                        + (s.toLowerCase(Locale.ROOT).contains("nan") ? "NaN" : "not a finite float32 number")
                        + "; "
                        + (what.equals("label")
                                ? "a label must be a class name or a finite number"
                                : what + "s must be finite numbers");
            } else {
                problem = what + " \"" + shorten(cell) + "\" is not a number"
                        + (what.equals("feature")
                                ? "; every column except the target column" + (targetCount == 1 ? "" : "s")
                                        + " must be numeric"
                                : "; regression targets must be numbers")
                        + (cell.indexOf('\n') >= 0 ? " (a quote opened and never closed?)" : "");
            }
            pending = new DataFormatException(file, line(), column, columnName(column), problem);
        }

        private static boolean isNanOrInfinity(String s) {
            String l = s.toLowerCase(Locale.ROOT);
            if (l.startsWith("+") || l.startsWith("-")) l = l.substring(1);
            return l.equals("nan") || l.equals("inf") || l.equals("infinity");
        }

        private String columnName(int column) {
            return header && column < headerNames.size() ? headerNames.get(column) : null;
        }

        // ---- numbers --------------------------------------------------------------------------

        /**
         * A float from a cell; sets {@link #status}. Short integers and plain decimals ({@link DecimalParser})
         * skip the general parser; the result is the correctly rounded float either way.
         */
        private float parseFloat(char[] b, int off, int len) {
            int end = off + len;
            if (len > 0 && len <= 10) {
                int i = off;
                boolean neg = b[i] == '-';
                if (neg) i++;
                if (i < end && end - i <= 9) {
                    int v = 0;
                    for (; i < end; i++) {
                        int d = b[i] - '0';
                        if (d < 0 || d > 9) break;
                        v = v * 10 + d;
                    }
                    if (i == end) {
                        status = OK;
                        return neg ? -(float) v : v;
                    }
                }
            }
            float fast = DecimalParser.parseFloat(b, off, end);
            if (fast == fast) {
                status = OK;
                return fast;
            }
            while (off < end && b[off] <= ' ') off++;
            while (end > off && b[end - 1] <= ' ') end--;
            if (!plausibleNumber(b, off, end)) return 0;
            try {
                float v = JavaFloatParser.parseFloat(b, off, end - off);
                status = Float.isFinite(v) ? OK : NOT_FINITE;
                return v;
            } catch (NumberFormatException e) {
                status = NOT_NUMBER;
                return 0;
            }
        }

        /** A double from a cell; sets {@link #status}. */
        private double parseDouble(char[] b, int off, int len) {
            int end = off + len;
            if (len > 0 && len <= 19) {
                int i = off;
                boolean neg = b[i] == '-';
                if (neg) i++;
                if (i < end && end - i <= 18) {
                    long v = 0;
                    for (; i < end; i++) {
                        int d = b[i] - '0';
                        if (d < 0 || d > 9) break;
                        v = v * 10 + d;
                    }
                    if (i == end) {
                        status = OK;
                        return neg ? -(double) v : v;
                    }
                }
            }
            double fast = DecimalParser.parseDouble(b, off, end);
            if (fast == fast) {
                status = OK;
                return fast;
            }
            while (off < end && b[off] <= ' ') off++;
            while (end > off && b[end - 1] <= ' ') end--;
            if (!plausibleNumber(b, off, end)) return 0;
            try {
                double v = JavaDoubleParser.parseDouble(b, off, end - off);
                status = Double.isFinite(v) ? OK : NOT_FINITE;
                return v;
            } catch (NumberFormatException e) {
                status = NOT_NUMBER;
                return 0;
            }
        }

        /**
         * Sets {@link #status} to EMPTY or NOT_NUMBER and returns false for cells that cannot be numbers
         * (so that string labels cost no exception), and for Java's "f"/"d" suffixes.
         */
        private boolean plausibleNumber(char[] b, int off, int end) {
            if (off == end) {
                status = EMPTY;
                return false;
            }
            char c = b[off], last = b[end - 1];
            boolean start = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'N' || c == 'I';
            if (!start || last == 'f' || last == 'F' || last == 'd' || last == 'D') {
                status = NOT_NUMBER;
                return false;
            }
            return true;
        }

        // ---- the result -----------------------------------------------------------------------

        private List<String> featureNames() {
            if (!header) return List.of();
            List<String> names = new ArrayList<>(features);
            for (int c = 0; c < columns; c++) if (featureOf[c] >= 0) names.add(headerNames.get(c));
            return names;
        }

        private List<String> targetNames(Task t) {
            List<String> names = new ArrayList<>(targetCount);
            for (int slot = 0; slot < targetCount; slot++) {
                for (int c = 0; c < columns; c++) {
                    if (targetOf[c] == slot) names.add(header ? headerNames.get(c) : null);
                }
            }
            if (names.contains(null)) {
                return t == Task.CLASSIFICATION ? List.of("label") : Dataset.defaultTargetNames(targetCount);
            }
            return names;
        }

        private int labelColumn() {
            for (int c = 0; c < columns; c++) if (targetOf[c] == 0) return c;
            return -1;
        }

        /** The data set from this handler (the first block: it holds the layout) and the later blocks' rows. */
        Dataset build(List<Handler> later) throws DataFormatException {
            if (columns < 0) throw new DataFormatException(file, "is empty: no rows to read");
            List<Handler> parts = new ArrayList<>(later.size() + 1);
            parts.add(this);
            parts.addAll(later);
            long total = 0;
            for (Handler h : parts) total += h.rows;
            if (total == 0) {
                throw new DataFormatException(
                        file, header ? "has a header (line " + firstLine + ") but no data rows" : "holds no data rows");
            }
            if (total * features > MAX_VALUES) {
                throw new DataFormatException(
                        file,
                        "holds " + total + " rows of " + features + " features, more values than one array holds ("
                                + MAX_VALUES + ")");
            }
            int m = (int) total;
            float[] x = new float[m * features];
            int at = 0;
            for (Handler h : parts) {
                for (int i = 0, left = h.rows; left > 0; i++) {
                    int r = Math.min(left, h.chunkRows);
                    System.arraycopy(h.chunks.get(i), 0, x, at, r * features);
                    h.chunks.set(i, null);
                    at += r * features;
                    left -= r;
                }
                h.chunk = null;
            }
            FeatureMatrix fm = FeatureMatrix.float32Unchecked(features, x, featureNames());
            switch (targetMode) {
                case NONE:
                    return Dataset.unlabeled(fm);
                case FLOATS: {
                    float[] y = new float[m * targetCount];
                    int yAt = 0;
                    for (Handler h : parts) {
                        System.arraycopy(h.targetValues, 0, y, yAt, h.rows * targetCount);
                        yAt += h.rows * targetCount;
                    }
                    return Dataset.regression(fm, y, targetNames(Task.REGRESSION));
                }
                case SCHEMA_CLASSES: {
                    int[] c = new int[m];
                    int cAt = 0;
                    for (Handler h : parts) {
                        System.arraycopy(h.classIndex, 0, c, cAt, h.rows);
                        cAt += h.rows;
                    }
                    return Dataset.classification(
                            fm,
                            c,
                            schema.classNames(),
                            targetNames(Task.CLASSIFICATION).get(0));
                }
                default:
                    break;
            }
            for (Handler h : later) labels.addAll(h.labels);
            Task t = task != null ? task : labels.inferTask();
            if (t == Task.REGRESSION) {
                return Dataset.regression(fm, labels.asFloats(), targetNames(t));
            }
            Labels.Classes classes = labels.classes();
            if (task == null && classes.names().size() > Labels.MAX_INFERRED_CLASSES) {
                int c = labelColumn();
                throw new DataFormatException(
                        file,
                        -1,
                        c,
                        columnName(c),
                        "has " + classes.names().size() + " distinct labels, too many to take as classes unless"
                                + " classification is asked for; for real-valued targets read it as regression");
            }
            return Dataset.classification(
                    fm, classes.index(), classes.names(), targetNames(t).get(0));
        }
    }

    // ---- the driver: one block on the caller's thread, the rest in parallel ----------------------------

    /**
     * The reader with its block size and thread count chosen (tests read small files in many blocks);
     * {@code threads} 0 reads the whole file through FastCSV, as for a file with quotes.
     */
    static Dataset run(
            Path file, CsvOptions options, Mode mode, Task task, DataSchema schema, int blockBytes, int threads)
            throws BadFileException {
        if (!Files.isRegularFile(file)) {
            throw new BadFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
        }
        char delimiter = options.delimiter() != null ? options.delimiter() : delimiterFor(file);
        Handler first = new Handler(file, options, delimiter, mode, task, schema);
        List<Handler> later = new ArrayList<>();
        boolean quoted;
        try (InputStream in = open(file)) {
            Blocks blocks = new Blocks(in);
            Block b0 = blocks.next(Math.min(blockBytes, FIRST_BLOCK_BYTES), false);
            if (b0 == null) return first.build(later);
            // FastCSV over the whole stream: quotes (a quoted field may hold a newline), no newline in the
            // first block (CR line ends, or a huge first row), or asked for (threads 0: the tests' reference)
            long firstLines = b0.newlinesUnlessQuoted();
            if (threads <= 0 || firstLines < 0 || (!b0.endsAtNewline() && !blocks.atEnd())) {
                first.parse(new SequenceInputStream(b0.stream(), blocks.rest()));
                return first.build(later);
            }
            first.parse(b0.stream());
            if (blocks.atEnd()) return first.build(later);
            quoted = parallel(first, blocks, blockBytes, threads, firstLines, later);
        } catch (IOException e) {
            throw readError(file, e);
        }
        if (!quoted) return first.build(later);
        // A later block holds a quote, so a block boundary may lie inside a quoted field: read it all in one go.
        Handler again = new Handler(file, options, delimiter, mode, task, schema);
        try (InputStream in = open(file)) {
            again.parse(in);
        } catch (IOException e) {
            throw readError(file, e);
        }
        return again.build(List.of());
    }

    /**
     * Parses the blocks after the first on {@code threads} threads, in order into {@code later}; true when a
     * block holds a quote character (then the caller reads the file again in one piece).
     */
    private static boolean parallel(
            Handler first, Blocks blocks, int blockBytes, int threads, long firstNewlines, List<Handler> later)
            throws IOException {
        ExecutorService pool = threads <= 1
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "jbackprop-csv");
                    t.setDaemon(true);
                    return t;
                });
        try {
            ArrayDeque<Future<Part>> inFlight = new ArrayDeque<>();
            long lineOffset = firstNewlines;
            for (Block b; (b = blocks.next(blockBytes, true)) != null; ) {
                Block block = b;
                if (pool != null) {
                    inFlight.add(pool.submit(() -> Part.of(first, block)));
                } else {
                    FutureTask<Part> task = new FutureTask<>(() -> Part.of(first, block));
                    task.run();
                    inFlight.add(task);
                }
                if (inFlight.size() >= 2 * threads) {
                    Part p = take(inFlight.poll(), lineOffset, first.file);
                    if (p.handler == null) return true;
                    later.add(p.handler);
                    lineOffset += p.newlines;
                }
            }
            while (!inFlight.isEmpty()) {
                Part p = take(inFlight.poll(), lineOffset, first.file);
                if (p.handler == null) return true;
                later.add(p.handler);
                lineOffset += p.newlines;
            }
            return false;
        } finally {
            if (pool != null) pool.shutdownNow();
        }
    }

    /** A parsed block: its handler (null when it held a quote and was not parsed), its newlines, or its error. */
    private record Part(Handler handler, long newlines, BadFileException error) {
        static Part of(Handler first, Block block) {
            long nl = block.newlinesUnlessQuoted();
            if (nl < 0) return new Part(null, 0, null);
            Handler h = new Handler(first, (int) Math.min(MAX_VALUES, nl + 1));
            try {
                h.parse(block.stream());
                return new Part(h, nl, null);
            } catch (BadFileException e) {
                return new Part(null, nl, e);
            }
        }
    }

    private static Part take(Future<Part> f, long lineOffset, Path file) throws BadFileException {
        Part p;
        try {
            p = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadFileException(file, "interrupted while reading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw new IllegalStateException(e.getCause());
        }
        if (p.error != null) throw p.error instanceof DataFormatException d ? d.shifted(lineOffset) : p.error;
        return p;
    }

    /** Bytes [0, length) of data: whole rows, ending after a newline or at the end of the file. */
    private record Block(byte[] data, int length) {
        boolean endsAtNewline() {
            return length > 0 && data[length - 1] == '\n';
        }

        ByteArrayInputStream stream() {
            return new ByteArrayInputStream(data, 0, length);
        }

        /** Line ends as FastCSV counts them (LF, CRLF, and a CR alone), or −1 when the block holds a quote. */
        long newlinesUnlessQuoted() {
            long n = 0;
            for (int i = 0; i < length; i++) {
                byte c = data[i];
                if (c > '"') continue;
                if (c == '"') return -1;
                if (c == '\n' || (c == '\r' && (i + 1 == length || data[i + 1] != '\n'))) n++;
            }
            return n;
        }
    }

    /** Cuts a stream into blocks that end after a newline; a block without a quote then holds whole rows. */
    private static final class Blocks {
        private final InputStream in;
        private byte[] carry = new byte[0];
        private boolean end;

        Blocks(InputStream in) {
            this.in = in;
        }

        /**
         * The next block of about {@code size} bytes, or null at the end. When {@code size} bytes hold no
         * newline, the block grows until one comes if {@code grow}, else it is returned as it is.
         */
        Block next(int size, boolean grow) throws IOException {
            if (end && carry.length == 0) return null;
            byte[] buf = Arrays.copyOf(carry, carry.length + size);
            int fill = carry.length;
            carry = new byte[0];
            while (true) {
                while (fill < buf.length && !end) {
                    int r = in.read(buf, fill, buf.length - fill);
                    if (r < 0) end = true;
                    else fill += r;
                }
                if (end) return fill == 0 ? null : new Block(buf, fill);
                int cut = fill - 1;
                while (cut >= 0 && buf[cut] != '\n') cut--;
                if (cut >= 0) {
                    carry = Arrays.copyOfRange(buf, cut + 1, fill);
                    return new Block(buf, cut + 1);
                }
                if (!grow) return new Block(buf, fill);
                if (buf.length >= MAX_VALUES / 2) throw new IOException("a line longer than " + buf.length + " bytes");
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }

        boolean atEnd() {
            return end && carry.length == 0;
        }

        /** What is left: the carried bytes, then the rest of the stream. */
        InputStream rest() {
            return new SequenceInputStream(new ByteArrayInputStream(carry), in);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int a = raw.read(), b = raw.read();
            raw.reset();
            InputStream in =
                    a == 0x1f && b == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            in.mark(3);
            byte[] bom = in.readNBytes(3);
            if (!(bom.length == 3 && (bom[0] & 0xff) == 0xef && (bom[1] & 0xff) == 0xbb && (bom[2] & 0xff) == 0xbf))
                in.reset();
            return in;
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static Reader reader(InputStream in) {
        return new InputStreamReader(
                in,
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    private static BadFileException readError(Path file, IOException e) {
        if (e instanceof BadFileException b) return b;
        if (e instanceof ZipException)
            return new BadFileException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        if (e instanceof EOFException)
            return new BadFileException(file, "the gzip stream ends early (truncated file?)", e);
        return BadFileException.wrap(file, "read the file", e);
    }

    static String shorten(String s) {
        String t = s.replace("\r", "\\r").replace("\n", "\\n");
        return t.length() <= 40 ? t : t.substring(0, 37) + "...";
    }

    static String shortList(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i == 8)
                return b.append(", ... (")
                        .append(names.size())
                        .append(" in all)")
                        .toString();
            if (i > 0) b.append(", ");
            b.append(shorten(names.get(i)));
        }
        return b.toString();
    }
}
