package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.data.NpzFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad file of issue 15 on the command line: exit 1, one line naming the file, the line and the column where
 * they apply, no stack trace; nothing written (the run's directory is not created, a prediction file not started).
 * Bad options for the data: exit 2.
 */
class BadDataCliTest {
    @TempDir
    static Path root;

    static Path good, goodTest, model;

    static final String HEADER = "a,b,c,label\n";
    static final String GOOD_ROWS = "1,2,3,x\n4,5,6,y\n7,8,9,x\n1.5,2.5,3.5,y\n";

    @BeforeAll
    static void files() throws IOException {
        good = Files.writeString(root.resolve("good.csv"), HEADER + GOOD_ROWS);
        goodTest = Files.writeString(root.resolve("good_test.csv"), HEADER + GOOD_ROWS);
        Path run = root.resolve("good-run");
        Cli.Result r = Cli.run(
                "train",
                "--train",
                good.toString(),
                "--test",
                goodTest.toString(),
                "--hidden",
                "3",
                "--epochs",
                "1",
                "--backend",
                "cpu",
                "--no-progress",
                "--out",
                run.toString());
        assertEquals(0, r.code(), r::toString);
        model = run.resolve("model.safetensors");
    }

    record Bad(String what, String file, String content, String[] expect) {
        @Override
        public String toString() {
            return what;
        }
    }

    static Bad csv(String what, String rows, String... expect) {
        return new Bad(what, what.replace(' ', '-') + ".csv", HEADER + rows, expect);
    }

    static Stream<Bad> trainingFiles() {
        return Stream.of(
                csv("ragged row", "1,2,3,x\n4,5,y\n", "line 3", "has 3 fields but line 1 has 4"),
                csv("non-numeric feature", "1,2,3,x\n4,abc,6,y\n", "line 3", "column \"b\" (index 1)", "abc"),
                csv("empty cell", "1,2,3,x\n4,,6,y\n", "line 3", "column \"b\" (index 1)"),
                csv("NaN feature", "1,2,3,x\nNaN,5,6,y\n", "line 3", "column \"a\" (index 0)"),
                csv("infinite feature", "1,2,3,x\n4,5,1e999,y\n", "line 3", "column \"c\" (index 2)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trainingFiles")
    void aBadTrainingFileIsOneLine(Bad b) throws IOException {
        Path f = Files.writeString(root.resolve(b.file()), b.content());
        Path out = root.resolve("out-" + b.file());
        Cli.Result r =
                Cli.run("train", "--train", f.toString(), "--backend", "cpu", "--no-progress", "--out", out.toString());
        oneLine(r, 1, f, b.expect());
        assertFalse(Files.exists(out), "nothing written: " + out);
    }

    @Test
    void aTestLabelNeverSeenInTraining() throws IOException {
        Path test = Files.writeString(root.resolve("unseen.csv"), HEADER + "1,2,3,x\n4,5,6,zebra\n");
        Path out = root.resolve("out-unseen");
        Cli.Result r = Cli.run(
                "train",
                "--train",
                good.toString(),
                "--test",
                test.toString(),
                "--backend",
                "cpu",
                "--no-progress",
                "--out",
                out.toString());
        oneLine(r, 1, test, "line 3", "column \"label\" (index 3)", "zebra");
        assertFalse(Files.exists(out));
        Cli.Result e = Cli.run("eval", "--model", model.toString(), "--test", test.toString(), "--backend", "cpu");
        oneLine(e, 1, test, "line 3", "zebra");
    }

    @Test
    void npzArraysOfTheWrongDtypeOrShape() throws IOException {
        Path dtype = NpzFiles.npz(
                root.resolve("dtype.npz"),
                false,
                NpzFiles.arrays(
                        "x", NpzFiles.int32(new int[] {1, 2, 3, 4}, 2, 2), "y", NpzFiles.int64(new long[] {0, 1}, 2)));
        oneLine(
                Cli.run(
                        "train",
                        "--train",
                        dtype.toString(),
                        "--backend",
                        "cpu",
                        "--no-progress",
                        "--out",
                        root.resolve("o1").toString()),
                1,
                dtype,
                "array x has dtype '<i4'");
        Path shape = NpzFiles.npz(
                root.resolve("shape.npz"),
                false,
                NpzFiles.arrays(
                        "x",
                        NpzFiles.float32(new float[] {1, 2, 3, 4, 5, 6}, 3, 2),
                        "y",
                        NpzFiles.int64(new long[] {0, 1}, 2)));
        oneLine(
                Cli.run(
                        "train",
                        "--train",
                        shape.toString(),
                        "--backend",
                        "cpu",
                        "--no-progress",
                        "--out",
                        root.resolve("o2").toString()),
                1,
                shape,
                "y");
        assertFalse(Files.exists(root.resolve("o1")) || Files.exists(root.resolve("o2")));
    }

    @Test
    void aPredictionInputWithTheWrongNumberOfFeatures() throws IOException {
        Path in = Files.writeString(root.resolve("two-features.csv"), "a,b\n1,2\n3,4\n");
        Path out = root.resolve("never.csv");
        Cli.Result r = Cli.run(
                "predict",
                "--model",
                model.toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--backend",
                "cpu");
        oneLine(r, 1, in, "has 2 columns but the training data had 3 features");
        assertFalse(Files.exists(out));
        try (var names = Files.list(root)) {
            assertFalse(
                    names.anyMatch(p -> p.getFileName().toString().startsWith(".never.csv.")),
                    "no temporary file left");
        }
        Path missing = root.resolve("missing.csv");
        oneLine(
                Cli.run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--input",
                        missing.toString(),
                        "--output",
                        out.toString(),
                        "--backend",
                        "cpu"),
                1,
                missing,
                "--input",
                "does not exist");
        Path npz = NpzFiles.npz(
                root.resolve("five.npz"), false, NpzFiles.arrays("x", NpzFiles.float32(new float[10], 2, 5)));
        oneLine(
                Cli.run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--input",
                        npz.toString(),
                        "--output",
                        out.toString(),
                        "--backend",
                        "cpu"),
                1,
                npz,
                "5 features",
                "3");
    }

    @Test
    void badDataOptionsAreUsageErrors() {
        String[][] cases = {
            {"--header", "maybe", "--header takes yes, no or auto"},
            {"--task", "ranking", "--task takes classification or regression"},
            {"--normalize", "zscore", "--normalize takes none, minmax or standard"},
            {"--test-split", "1.5", "--test-split takes a fraction between 0 and 1"},
            {"--validation-split", "0", "--validation-split takes a fraction between 0 and 1"},
            {"--classes", "0", "--classes must be 1..256"},
            {"--label-column", "nope", "has no column named \"nope\""},
        };
        for (String[] c : cases) {
            Path out = root.resolve("opt-" + c[0].substring(2));
            Cli.Result r = Cli.run(
                    "train",
                    "--train",
                    good.toString(),
                    c[0],
                    c[1],
                    "--backend",
                    "cpu",
                    "--no-progress",
                    "--out",
                    out.toString());
            int code = c[0].equals("--label-column") ? 1 : 2; // a column the file lacks is about the file
            assertEquals(code, r.code(), c[0] + "\n" + r);
            assertEquals(1, r.errLines().size(), r::toString);
            assertTrue(
                    r.errLines().get(0).contains(c[2]),
                    c[0] + ": " + r.errLines().get(0));
            assertFalse(Files.exists(out));
        }
        Cli.Result both = Cli.run("train", "--train", good.toString(), "--data", root.toString(), "--backend", "cpu");
        assertEquals(2, both.code(), both::toString);
        assertTrue(both.errLines().get(0).contains("give either --train FILE or --data DIR"), both::toString);
        Cli.Result splitTwice = Cli.run(
                "train",
                "--train",
                good.toString(),
                "--test",
                goodTest.toString(),
                "--test-split",
                "0.5",
                "--backend",
                "cpu",
                "--no-progress",
                "--out",
                root.resolve("ts").toString());
        assertEquals(2, splitTwice.code(), splitTwice::toString);
        assertTrue(splitTwice.errLines().get(0).contains("the data has a test set already"), splitTwice::toString);
        Cli.Result layersAndHidden =
                Cli.run("train", "--train", good.toString(), "--layers", "3,2", "--hidden", "4", "--backend", "cpu");
        assertEquals(2, layersAndHidden.code());
        assertTrue(layersAndHidden.errLines().get(0).contains("give either --layers or --hidden"));
    }

    static void oneLine(Cli.Result r, int code, Path file, String... expect) {
        assertEquals(code, r.code(), r::toString);
        List<String> err = r.errLines();
        assertEquals(1, err.size(), r::toString);
        String line = err.get(0);
        assertTrue(line.startsWith("jbackprop: " + file + ": "), line);
        List<String> missing = new ArrayList<>();
        for (String e : expect) if (!line.contains(e)) missing.add(e);
        assertTrue(missing.isEmpty(), "missing " + missing + " in: " + line);
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }
}
