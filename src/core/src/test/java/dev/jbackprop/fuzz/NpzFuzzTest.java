package dev.jbackprop.fuzz;

import static dev.jbackprop.fuzz.ReaderCall.call;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jbackprop.data.Npz;
import dev.jbackprop.data.TrainTest;
import java.nio.file.Path;

/**
 * Fuzzes the npz reader (the zip container and the .npy headers): each input is written to a file and
 * read as an .npz data file; the call returns or throws a BadFileException naming the file, within an
 * allocation budget. Seeds: src/test/resources/dev/jbackprop/fuzz/NpzFuzzTestInputs/fuzzNpz/. How CI
 * and bench/fuzz.sh run it: pom.xml (execution "fuzz").
 */
class NpzFuzzTest {
    private static final Path DIR = ReaderCall.tempDir("fuzz-npz");

    @FuzzTest(maxDuration = "60s")
    void fuzzNpz(byte[] data) {
        Path f = ReaderCall.write(DIR, "input.npz", data);
        TrainTest t = call((32L << 20) + 64L * data.length, () -> Npz.read(f, null), f);
        if (t == null) return;
        check(t.train().count() > 0 && t.train().features() > 0, "an empty data set was returned");
        if (t.test() != null) check(t.test().outputs() == t.train().outputs(), "test and training outputs differ");
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
