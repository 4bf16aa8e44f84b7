package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.data.CsvOptions.Column;
import dev.jbackprop.data.CsvOptions.Header;
import dev.jbackprop.io.BadFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path dir;

    private static final CsvOptions DEFAULTS = CsvOptions.defaults();

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private Path writeGz(String name, String text) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Path p = dir.resolve(name);
        Files.write(p, bos.toByteArray());
        return p;
    }

    private static float[] features(Dataset d) {
        return d.x();
    }

    // ---- layout ----------------------------------------------------------------------------------

    @Test
    void headerIsDetectedAndNamesAreKept() throws IOException {
        Dataset d = Csv.read(write("a.csv", "width,height,kind\n1.5,2,cat\n3,-4e-1,dog\n0.25,7,cat\n"), DEFAULTS);
        assertEquals(3, d.count());
        assertEquals(2, d.features());
        assertEquals(List.of("width", "height"), d.featureNames());
        assertEquals(List.of("kind"), d.targetNames());
        assertEquals(Task.CLASSIFICATION, d.task());
        assertEquals(List.of("cat", "dog"), d.classNames());
        assertArrayEquals(new int[] {0, 1, 0}, d.labels());
        assertArrayEquals(new float[] {1.5f, 2f, 3f, -0.4f, 0.25f, 7f}, features(d));
        assertEquals(FeatureMatrix.Type.FLOAT32, d.featureMatrix().type());
    }

    @Test
    void withoutHeaderEveryRowIsData() throws IOException {
        Dataset d = Csv.read(write("a.csv", "1,2,0\n3,4,1\n"), DEFAULTS);
        assertEquals(2, d.count());
        assertEquals(List.of(), d.featureNames());
        assertEquals(List.of("label"), d.targetNames());
        assertArrayEquals(new float[] {1, 2, 3, 4}, features(d));
        // forced: the first row becomes a header, so one data row is left
        Dataset h = Csv.read(write("b.csv", "1,2,0\n3,4,1\n"), DEFAULTS.withHeader(Header.YES));
        assertEquals(1, h.count());
        assertEquals(List.of("1", "2"), h.featureNames());
        // forced no: a non-numeric first row is then a bad data row
        DataFormatException e = assertThrows(
                DataFormatException.class,
                () -> Csv.read(write("c.csv", "a,b,y\n1,2,0\n"), DEFAULTS.withHeader(Header.NO)));
        assertEquals(1, e.line());
        assertEquals(0, e.column());
        assertTrue(e.getMessage().contains("feature \"a\" is not a number"), e.getMessage());
    }

    @Test
    void labelColumnByNameOrIndex() throws IOException {
        Path f = write("a.csv", "y,a,b\n1,10,20\n0,30,40\n");
        Dataset byName = Csv.read(f, DEFAULTS.withTargets(Column.named("y")));
        Dataset byIndex = Csv.read(f, DEFAULTS.withTargets(Column.at(0)));
        Dataset parsed = Csv.read(f, DEFAULTS.withTargets(Column.parse("0")));
        for (Dataset d : List.of(byName, byIndex, parsed)) {
            assertEquals(List.of("a", "b"), d.featureNames());
            assertArrayEquals(new float[] {10, 20, 30, 40}, d.x());
            assertEquals(List.of("0", "1"), d.classNames());
            assertArrayEquals(new int[] {1, 0}, d.labels());
        }
        // a named label needs a header
        assertThrows(
                IllegalArgumentException.class,
                () -> Csv.read(f, DEFAULTS.withHeader(Header.NO).withTargets(Column.named("y"))));
    }

    @Test
    void integerLabelsAreClassesInNumericOrder() throws IOException {
        Dataset d = Csv.read(write("a.csv", "0.5,10\n1,2\n2,10.0\n3,-1\n4,2e0\n"), DEFAULTS);
        assertEquals(Task.CLASSIFICATION, d.task());
        assertEquals(List.of("-1", "2", "10"), d.classNames()); // numeric order, 10.0 and 2e0 are 10 and 2
        assertArrayEquals(new int[] {2, 1, 2, 0, 1}, d.labels());
        assertEquals(3, d.outputs());
    }

    @Test
    void stringLabelsSortByCodePointAndNumbersJoinThem() throws IOException {
        Dataset d = Csv.read(write("a.csv", "1,zebra\n2,Ant\n3, ant \n4,10\n5,9\n"), DEFAULTS);
        assertEquals(List.of("10", "9", "Ant", "ant", "zebra"), d.classNames());
        assertArrayEquals(new int[] {4, 2, 3, 0, 1}, d.labels());
    }

    @Test
    void floatLabelsMeanRegressionUnlessClassificationIsAsked() throws IOException {
        Path f = write("a.csv", "x,price\n1,0.5\n2,1\n3,1.5\n");
        Dataset r = Csv.read(f, DEFAULTS);
        assertEquals(Task.REGRESSION, r.task());
        assertEquals(List.of("price"), r.targetNames());
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, r.y());
        Dataset c = Csv.read(f, DEFAULTS, Task.CLASSIFICATION);
        assertEquals(List.of("0.5", "1", "1.5"), c.classNames());
        // integers read as regression when asked
        Dataset i = Csv.read(write("b.csv", "1,3\n2,5\n"), DEFAULTS, Task.REGRESSION);
        assertEquals(Task.REGRESSION, i.task());
        assertArrayEquals(new float[] {3, 5}, i.y());
        assertEquals(List.of("y"), i.targetNames());
    }

    @Test
    void severalTargetColumnsAreMultiOutputRegression() throws IOException {
        Dataset d = Csv.read(
                write("a.csv", "t1,a,t2,b\n1,10,2,20\n3,30,4,40\n"),
                DEFAULTS.withTargets(Column.named("t1"), Column.at(2)));
        assertEquals(Task.REGRESSION, d.task());
        assertEquals(2, d.outputs());
        assertEquals(List.of("t1", "t2"), d.targetNames());
        assertEquals(List.of("a", "b"), d.featureNames());
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.y());
        assertArrayEquals(new float[] {10, 20, 30, 40}, d.x());
        assertThrows(
                IllegalArgumentException.class,
                () -> Csv.read(
                        dir.resolve("a.csv"), DEFAULTS.withTargets(Column.at(0), Column.at(2)), Task.CLASSIFICATION));
        // without a header the outputs are named y0, y1
        Dataset n = Csv.read(write("b.csv", "1,2,3\n4,5,6\n"), DEFAULTS.withTargets(Column.at(0), Column.at(1)));
        assertEquals(List.of("y0", "y1"), n.targetNames());
    }

    @Test
    void quotedFieldsCrlfBomAndEmptyLines() throws IOException {
        String text = "\uFEFF\"a,1\",\"b \"\"x\"\"\",label\r\n"
                + "\"1.5\",2,\"big, \"\"red\"\"\r\nthing\"\r\n"
                + "\r\n"
                + "3,4,plain\r\n";
        Dataset d = Csv.read(write("q.csv", text), DEFAULTS);
        assertEquals(List.of("a,1", "b \"x\""), d.featureNames());
        assertEquals(2, d.count());
        assertArrayEquals(new float[] {1.5f, 2, 3, 4}, d.x());
        assertEquals(List.of("big, \"red\"\r\nthing", "plain"), d.classNames());
    }

    @Test
    void gzipAndTabsAreRecognised() throws IOException {
        String csv = "a,b,y\n1,2,0\n3,4,1\n";
        Dataset plain = Csv.read(write("p.csv", csv), DEFAULTS);
        Dataset gz = Csv.read(writeGz("p.csv.gz", csv), DEFAULTS);
        Dataset tsv = Csv.read(write("p.tsv", csv.replace(',', '\t')), DEFAULTS);
        Dataset tsvGz = Csv.read(writeGz("p.tsv.gz", csv.replace(',', '\t')), DEFAULTS);
        Dataset semi = Csv.read(write("p.txt", csv.replace(',', ';')), DEFAULTS.withDelimiter(';'));
        for (Dataset d : List.of(gz, tsv, tsvGz, semi)) {
            assertArrayEquals(plain.x(), d.x());
            assertArrayEquals(plain.labels(), d.labels());
            assertEquals(plain.featureNames(), d.featureNames());
        }
        assertEquals('\t', Csv.delimiterFor(Path.of("x.TSV.gz")));
        assertEquals(',', Csv.delimiterFor(Path.of("x.csv.gz")));
    }

    @Test
    void numbersParseToTheNearestFloat() throws IOException {
        Random r = new Random(5);
        StringBuilder b = new StringBuilder();
        String[] cells = new String[400];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = switch (i % 8) {
                case 0 -> Integer.toString(r.nextInt());
                case 1 -> String.format(Locale.ROOT, "%.6f", r.nextGaussian() * 1000);
                case 2 -> Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(60) - 30));
                case 3 -> String.format(Locale.ROOT, "%.17g", r.nextDouble());
                case 4 -> "  " + r.nextInt(256) + " ";
                case 5 -> "+" + r.nextInt(1000) + ".";
                case 6 -> "." + r.nextInt(100000);
                default -> Long.toString(r.nextLong());
            };
            b.append(cells[i]).append(",0\n");
        }
        Dataset d = Csv.read(write("n.csv", b.toString()), DEFAULTS);
        float[] x = d.x();
        for (int i = 0; i < cells.length; i++) assertEquals(Float.parseFloat(cells[i]), x[i], 0f, cells[i]);
    }

    // ---- test sets and prediction inputs ----------------------------------------------------------

    @Test
    void testSetUsesTheTrainingClasses() throws IOException {
        Dataset train = Csv.read(write("train.csv", "a,y\n1,dog\n2,cat\n3,emu\n"), DEFAULTS);
        Dataset test = Csv.readTest(write("test.csv", "a,y\n5,emu\n6,cat\n"), DEFAULTS, train.schema());
        assertEquals(train.classNames(), test.classNames());
        assertArrayEquals(new int[] {2, 0}, test.labels());
        assertEquals(3, test.outputs());
        // a class missing from the test set still has its output
        assertEquals(1f, test.y(0, 2));
        // numeric labels: "1.0" in the test set is class "1" of the training set
        Dataset tn = Csv.read(write("tn.csv", "1,1\n2,0\n"), DEFAULTS);
        Dataset te = Csv.readTest(write("te.csv", "3,1.0\n"), DEFAULTS, tn.schema());
        assertArrayEquals(new int[] {1}, te.labels());
    }

    @Test
    void testLabelNeverSeenInTrainingIsAnError() throws IOException {
        Dataset train = Csv.read(write("train.csv", "a,kind\n1,dog\n2,cat\n"), DEFAULTS);
        Path test = write("test.csv", "a,kind\n5,cat\n6,cow\n");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> Csv.readTest(test, DEFAULTS, train.schema()));
        assertEquals(3, e.line());
        assertEquals(1, e.column());
        assertEquals("kind", e.columnName());
        assertTrue(
                e.getMessage().startsWith(test + ": line 3, column \"kind\" (index 1): label \"cow\" never appears"),
                e.getMessage());
        assertTrue(e.getMessage().contains("cat, dog"), e.getMessage());
    }

    @Test
    void testSetWithOtherColumnsIsAnError() throws IOException {
        Dataset train = Csv.read(write("train.csv", "a,b,y\n1,2,0\n"), DEFAULTS);
        DataFormatException e = assertThrows(
                DataFormatException.class, () -> Csv.readTest(write("t1.csv", "a,y\n1,0\n"), DEFAULTS, train.schema()));
        assertTrue(e.getMessage().contains("(1 feature) but the training data had 2 features"), e.getMessage());
        e = assertThrows(
                DataFormatException.class,
                () -> Csv.readTest(write("t2.csv", "b,a,y\n1,2,0\n"), DEFAULTS, train.schema()));
        assertTrue(
                e.getMessage()
                        .contains(
                                "column \"b\" (index 0): is feature 0 here but the training data's feature 0 is \"a\""),
                e.getMessage());
        // regression schema against a file: the targets are read as numbers
        Dataset reg = Csv.read(write("r.csv", "1,0.5\n2,1.5\n"), DEFAULTS);
        Dataset regTest = Csv.readTest(write("rt.csv", "3,2.5\n"), DEFAULTS, reg.schema());
        assertArrayEquals(new float[] {2.5f}, regTest.y());
    }

    @Test
    void predictionInputsWithOrWithoutTheLabelColumn() throws IOException {
        Dataset train = Csv.read(write("train.csv", "a,b,y\n1,2,cat\n3,4,dog\n"), DEFAULTS);
        Dataset with = Csv.readFeatures(write("p1.csv", "a,b,y\n5,6,cat\n7,8,\n"), DEFAULTS, train.schema());
        Dataset without = Csv.readFeatures(write("p2.csv", "a,b\n5,6\n7,8\n"), DEFAULTS, train.schema());
        Dataset bare = Csv.readFeatures(write("p3.csv", "5,6\n7,8\n"), DEFAULTS, train.schema());
        for (Dataset d : List.of(with, without, bare)) {
            assertNull(d.task());
            assertArrayEquals(new float[] {5, 6, 7, 8}, d.x());
        }
        Path wrong = write("p4.csv", "5,6,7,8\n");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> Csv.readFeatures(wrong, DEFAULTS, train.schema()));
        assertTrue(e.getMessage().contains("has 4 columns but the training data had 2 features"), e.getMessage());
    }

    // ---- bad input --------------------------------------------------------------------------------

    /** The error of reading {@code text}: the same through FastCSV, the plain loop and the plain loop in blocks. */
    private DataFormatException bad(String name, String text, CsvOptions options) throws IOException {
        Path f = write(name, text);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f, options));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        for (int[] blocksAndThreads : new int[][] {{1 << 20, 0}, {1 << 20, 1}, {8, 2}}) {
            DataFormatException other = assertThrows(
                    DataFormatException.class,
                    () -> Csv.run(f, options, Csv.Mode.TRAIN, null, null, blocksAndThreads[0], blocksAndThreads[1]));
            assertEquals(e.getMessage(), other.getMessage(), "threads " + blocksAndThreads[1]);
        }
        return e;
    }

    private DataFormatException bad(String text) throws IOException {
        return bad("bad.csv", text, DEFAULTS);
    }

    @Test
    void raggedRowsNameTheirLine() throws IOException {
        DataFormatException e = bad("a,b,y\n1,2,0\n1,2\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("line 3: has 2 fields but line 1 has 3"), e.getMessage());
        e = bad("1,2,0\n\n3,4,5,6\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("has 4 fields but line 1 has 3"), e.getMessage());
    }

    @Test
    void nonNumericFeatureNamesLineAndColumn() throws IOException {
        DataFormatException e = bad("a,b,y\n1,2,0\n3,x7,1\n");
        assertEquals(3, e.line());
        assertEquals(1, e.column());
        assertEquals("b", e.columnName());
        assertTrue(
                e.getMessage().contains("line 3, column \"b\" (index 1): feature \"x7\" is not a number"),
                e.getMessage());
        e = bad("1,2,0\n3,1.5f,1\n");
        assertTrue(e.getMessage().contains("line 2, column index 1: feature \"1.5f\" is not a number"), e.getMessage());
    }

    @Test
    void emptyCellsAreErrors() throws IOException {
        DataFormatException e = bad("a,b,y\n1,,0\n");
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("column \"b\" (index 1): the feature cell is empty"), e.getMessage());
        e = bad("a,b,y\n1,2,\"\"\n");
        assertTrue(e.getMessage().contains("column \"y\" (index 2): the label cell is empty"), e.getMessage());
    }

    @Test
    void nanAndInfinityAreErrors() throws IOException {
        for (String cell : List.of("NaN", "nan", "Infinity", "-inf", "1e39", "-3.5e400")) {
            DataFormatException e = bad("a,y\n1,0\n" + cell + ",1\n");
            assertEquals(3, e.line(), cell);
            assertEquals(0, e.column(), cell);
            assertTrue(
                    e.getMessage().contains("is NaN") || e.getMessage().contains("is not a finite float32 number"),
                    e.getMessage());
        }
        DataFormatException e = bad("a,y\n1,NaN\n");
        assertTrue(e.getMessage().contains("label \"NaN\" is NaN"), e.getMessage());
    }

    @Test
    void regressionTargetsMustBeNumbers() throws IOException {
        // inferred: a string makes it classification, so no error; asked for regression it is one
        Path f = write("reg2.csv", "1,2.5\n2,abc\n");
        assertEquals(List.of("2.5", "abc"), Csv.read(f, DEFAULTS).classNames());
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f, DEFAULTS, Task.REGRESSION));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("target \"abc\" is not a number"), e.getMessage());
    }

    @Test
    void missingOrEmptyFilesAndColumns() throws IOException {
        assertTrue(bad("").getMessage().contains("is empty"));
        assertTrue(bad("\n\n").getMessage().contains("is empty"));
        assertTrue(bad("a,b,y\n").getMessage().contains("has a header (line 1) but no data rows"));
        DataFormatException e = bad("n.csv", "a,b\n1,2\n", DEFAULTS.withTargets(Column.named("y")));
        assertTrue(e.getMessage().contains("has no column named \"y\" (its header: a, b)"), e.getMessage());
        e = bad("i.csv", "1,2\n", DEFAULTS.withTargets(Column.at(5)));
        assertTrue(e.getMessage().contains("no column index 5"), e.getMessage());
        e = bad("one.csv", "1\n2\n", DEFAULTS);
        assertTrue(e.getMessage().contains("no feature column"), e.getMessage());
        BadFileException missing =
                assertThrows(BadFileException.class, () -> Csv.read(dir.resolve("nope.csv"), DEFAULTS));
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
    }

    @Test
    void notUtf8IsAnError() throws IOException {
        Path f = dir.resolve("latin1.csv");
        Files.write(f, "a,y\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        for (int threads = 0; threads <= 2; threads++) {
            int t = threads;
            DataFormatException e = assertThrows(
                    DataFormatException.class, () -> Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 4, t));
            assertTrue(e.getMessage().contains(": line 2: is not UTF-8 text"), e.getMessage());
        }
    }

    @Test
    void tooManyDistinctIntegerLabelsAskForATask() throws IOException {
        StringBuilder b = new StringBuilder("x,price\n");
        for (int i = 0; i <= Labels.MAX_INFERRED_CLASSES; i++)
            b.append(i).append(',').append(1000 + i).append('\n');
        Path f = write("prices.csv", b.toString());
        DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(f, DEFAULTS));
        assertTrue(e.getMessage().contains("column \"price\" (index 1): has 1001 distinct labels"), e.getMessage());
        assertEquals(Task.REGRESSION, Csv.read(f, DEFAULTS, Task.REGRESSION).task());
        assertEquals(1001, Csv.read(f, DEFAULTS, Task.CLASSIFICATION).outputs());
    }

    // ---- the parallel reader ------------------------------------------------------------------------

    private static String table(int rows, Random r, boolean stringLabels) {
        StringBuilder b = new StringBuilder("f0,f1,f2,label\n");
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < 3; k++)
                b.append(String.format(Locale.ROOT, "%.5f", r.nextGaussian())).append(',');
            b.append(stringLabels ? "c" + r.nextInt(4) : Integer.toString(r.nextInt(3)))
                    .append(i % 7 == 0 ? "\r\n" : "\n");
            if (i % 11 == 0) b.append('\n');
        }
        return b.toString();
    }

    @Test
    void blocksReadInParallelGiveTheSameData() throws IOException {
        Random r = new Random(9);
        for (boolean strings : new boolean[] {false, true}) {
            Path f = write("big" + strings + ".csv", table(3000, r, strings));
            Dataset serial = Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 1 << 20, 1);
            Dataset parallel = Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 256, 3);
            Dataset fastCsv = Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 1 << 20, 0);
            assertEquals(3000, serial.count());
            assertArrayEquals(fastCsv.x(), serial.x());
            assertArrayEquals(fastCsv.labels(), serial.labels());
            assertEquals(fastCsv.featureNames(), parallel.featureNames());
            assertArrayEquals(serial.x(), parallel.x());
            assertArrayEquals(serial.labels(), parallel.labels());
            assertEquals(serial.classNames(), parallel.classNames());
            Dataset test = Csv.run(f, DEFAULTS, Csv.Mode.TEST, Task.CLASSIFICATION, serial.schema(), 300, 2);
            assertArrayEquals(serial.labels(), test.labels());
        }
    }

    @Test
    void errorsInLaterBlocksNameTheRightLine() throws IOException {
        Random r = new Random(10);
        String text = table(2000, r, false);
        String[] lines = text.split("\n", -1);
        lines[1500] = "1,2,oops,1";
        Path f = write("err.csv", String.join("\n", lines));
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 200, 3));
        assertEquals(1501, e.line());
        assertEquals(2, e.column());
        assertEquals("f2", e.columnName());
        for (int threads = 0; threads <= 1; threads++) {
            int t = threads;
            DataFormatException serial = assertThrows(
                    DataFormatException.class, () -> Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 1 << 20, t));
            assertEquals(serial.getMessage(), e.getMessage());
        }
        // two bad rows: the first one is reported
        lines[1900] = "x,2,3,1";
        lines[700] = "1,2,3";
        Path g = write("err2.csv", String.join("\n", lines));
        e = assertThrows(DataFormatException.class, () -> Csv.run(g, DEFAULTS, Csv.Mode.TRAIN, null, null, 200, 3));
        assertEquals(701, e.line());
        assertTrue(e.getMessage().contains("has 3 fields"), e.getMessage());
    }

    @Test
    void aQuoteInALaterBlockFallsBackToOnePiece() throws IOException {
        Random r = new Random(11);
        String text = table(1000, r, true) + "1,2,3,\"two\nlines\"\n4,5,6,c1\n";
        Path f = write("late-quote.csv", text);
        Dataset parallel = Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 128, 3);
        Dataset serial = Csv.run(f, DEFAULTS, Csv.Mode.TRAIN, null, null, 1 << 20, 1);
        assertEquals(1002, parallel.count());
        assertArrayEquals(serial.x(), parallel.x());
        assertArrayEquals(serial.labels(), parallel.labels());
        assertTrue(parallel.classNames().contains("two\nlines"));
    }
}
