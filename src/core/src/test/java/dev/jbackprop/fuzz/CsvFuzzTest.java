package dev.jbackprop.fuzz;

import static dev.jbackprop.fuzz.ReaderCall.call;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jbackprop.data.Csv;
import dev.jbackprop.data.CsvOptions;
import dev.jbackprop.data.Dataset;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes the CSV reader: each input is written to a file and read as a training set and, when that
 * works, again as a test set against its own schema and as prediction inputs, which must give the same
 * data. Every call returns or throws a BadFileException naming the file, within an allocation budget.
 * Seeds: src/test/resources/dev/jbackprop/fuzz/CsvFuzzTestInputs/fuzzCsv/. How CI and bench/fuzz.sh
 * run it: pom.xml (execution "fuzz").
 */
class CsvFuzzTest {
    private static final Path DIR = ReaderCall.tempDir("fuzz-csv");

    @FuzzTest(maxDuration = "60s")
    void fuzzCsv(byte[] data) {
        Path f = ReaderCall.write(DIR, "input.csv", data);
        long budget = (32L << 20) + 64L * data.length;
        Dataset d = call(budget, () -> Csv.read(f, CsvOptions.defaults()), f);
        if (d == null || !d.hasTargets()) return;
        check(d.count() > 0 && d.features() > 0, "an empty data set was returned");
        Dataset again = call(budget, () -> Csv.readTest(f, CsvOptions.defaults(), d.schema()), f);
        check(again != null, "the file was refused as a test set against its own schema");
        check(Arrays.equals(d.x(), again.x()), "the test reading gives other features");
        check(Arrays.equals(d.y(), again.y()), "the test reading gives other targets");
        Dataset inputs = call(budget, () -> Csv.readFeatures(f, CsvOptions.defaults(), d.schema()), f);
        check(inputs != null && Arrays.equals(d.x(), inputs.x()), "the prediction reading gives other features");
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
