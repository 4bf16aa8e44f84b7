package dev.jbackprop.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API on the CPU backend: fit, evaluate, predict, save and load, listeners, errors, closing. */
class ModelTest {
    static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = Backend.cpu(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Three Gaussian blobs in 4 dimensions, well apart: any working MLP separates them. */
    static Data blobs(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < 4; k++) x[i][k] = (float) (r.nextGaussian() * 0.5 + (k == labels[i] ? 3 : 0));
        }
        return Data.classification(x, labels, List.of("a", "b", "c"));
    }

    static Model.Builder small() {
        return Model.builder().input(4).hidden(16, Activation.relu()).output(3).seed(3);
    }

    @Test
    void fitsAndPredictsInMemoryClassification() {
        Data train = blobs(300, 1), test = blobs(90, 2);
        try (Model m = small().build(cpu)) {
            double before = m.evaluate(test).accuracy();
            FitResult r = m.fit(train, TrainingOptions.defaults().epochs(10).batchSize(16));
            assertEquals(10, r.epochs().size());
            assertEquals(10 * 19, r.steps()); // ceil(300/16) steps per epoch
            assertFalse(r.stoppedByListener());
            assertTrue(
                    r.last().orElseThrow().loss() < r.epochs().get(0).loss(),
                    r.epochs().toString());
            Evaluation e = m.evaluate(test);
            assertTrue(e.accuracy() > 0.95 && e.accuracy() > before, e + " (before: " + before + ")");
            int[][] c = e.confusion();
            int sum = 0, diag = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    sum += c[i][j];
                    if (i == j) diag += c[i][j];
                }
            assertEquals(90, sum);
            assertEquals(e.accuracy(), diag / 90.0, 1e-12);
            assertEquals(List.of("a", "b", "c"), m.classNames());
            Predictions p = m.predict(new float[][] {{3, 0, 0, 0}, {0, 0, 3, 0}});
            assertEquals(0, p.predictedClass(0));
            assertEquals("c", p.predictedClassName(1));
            float[] probs = p.row(0);
            double total = 0;
            for (float v : probs) total += v;
            assertEquals(1.0, total, 1e-5); // softmax
        }
    }

    @Test
    void predictsAnyNumberOfRowsInPasses() {
        Data d = blobs(2500, 5);
        float[][] x = new float[2500][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[4];
            for (int k = 0; k < 4; k++) x[i][k] = d.dataset().x(i, k);
        }
        try (Model m = small().build(cpu)) {
            Predictions all = m.predict(x); // 2500 rows: three passes of up to 1024
            assertEquals(2500, all.rows());
            for (int i : new int[] {0, 1023, 1024, 2047, 2048, 2499}) {
                Predictions one = m.predict(new float[][] {x[i]});
                assertArrayEquals(one.row(0), all.row(i), 1e-6f, "row " + i);
            }
            assertEquals(0, m.predict(new float[0][]).rows());
        }
    }

    @Test
    void regressionReportsErrorsAndR2() {
        Random r = new Random(9);
        float[][] x = new float[400][2];
        float[] y = new float[400];
        for (int i = 0; i < 400; i++) {
            x[i][0] = (float) r.nextGaussian();
            x[i][1] = (float) r.nextGaussian();
            y[i] = 2 * x[i][0] - x[i][1] + 0.5f;
        }
        Data data = Data.regression(x, y);
        assertEquals(Task.REGRESSION, data.task());
        try (Model m = Model.builder()
                .input(2)
                .hidden(8, Activation.tanh())
                .output(1, Activation.identity())
                .loss(Loss.QUADRATIC)
                .build(cpu)) {
            double before = m.evaluate(data).meanSquaredError();
            m.fit(data, TrainingOptions.defaults().epochs(30).batchSize(20).optimizer(Optimizer.sgd(0.02)));
            Evaluation e = m.evaluate(data);
            assertEquals(Task.REGRESSION, e.task());
            assertTrue(Double.isNaN(e.accuracy()));
            assertTrue(e.meanSquaredError() < 0.05 * before, e + " before " + before);
            assertTrue(e.r2() > 0.98, e.toString());
            assertTrue(e.meanAbsoluteError() > 0);
        }
    }

    @Test
    void saveAndLoadGiveTheSameModel(@TempDir Path dir) {
        Path file = dir.resolve("m.safetensors");
        float[][] x = {{3, 0, 0, 0}, {0, 3, 0, 0}, {0.1f, 0.2f, 2.5f, 0}};
        try (Model m = small().scaling(Scaling.STANDARD).build(cpu)) {
            m.fit(blobs(120, 1), TrainingOptions.defaults().epochs(2));
            m.save(file);
            try (Model back = Model.load(file, cpu)) {
                assertArrayEquals(m.parameters(), back.parameters());
                assertEquals(Scaling.STANDARD, back.scaling());
                assertEquals(List.of("a", "b", "c"), back.classNames());
                assertEquals(Task.CLASSIFICATION, back.task().orElseThrow());
                assertArrayEquals(m.predict(x).row(2), back.predict(x).row(2), 0f);
                assertEquals(m.toString(), back.toString());
            }
        }
        assertTrue(Files.exists(file));
    }

    @Test
    void listenersSeeEveryStepAndEpochAndCanStop() {
        List<StepEvent> steps = new ArrayList<>();
        List<EpochEvent> epochs = new ArrayList<>();
        try (Model m = small().build(cpu)) {
            FitResult r = m.fit(
                    blobs(100, 1),
                    TrainingOptions.defaults()
                            .epochs(5)
                            .batchSize(10)
                            .validationFraction(0.2)
                            .listener(new TrainingListener() {
                                @Override
                                public boolean onStep(StepEvent e) {
                                    steps.add(e);
                                    return true;
                                }

                                @Override
                                public boolean onEpoch(EpochEvent e) {
                                    epochs.add(e);
                                    return e.epoch() < 2;
                                }
                            }));
            assertTrue(r.stoppedByListener());
            assertEquals(2, r.epochs().size());
            assertEquals(epochs, r.epochs());
            assertEquals(16, steps.size()); // 80 training samples, batch 10: 8 steps per epoch
            assertEquals(new StepEvent(2, 8, 8, 16), steps.get(15));
            assertFalse(Double.isNaN(epochs.get(0).validationAccuracy()));

            FitResult cut = m.fit(
                    blobs(100, 1),
                    TrainingOptions.defaults().epochs(5).batchSize(10).listener(new TrainingListener() {
                        @Override
                        public boolean onStep(StepEvent e) {
                            return e.step() < 3;
                        }
                    }));
            assertTrue(cut.stoppedByListener());
            assertEquals(3, cut.steps());
            assertTrue(cut.epochs().isEmpty());
        }
    }

    @Test
    void theSameSeedTrainsTheSameModelAndCopiesAgree() {
        try (Model a = small().build(cpu);
                Model b = small().build(cpu)) {
            assertArrayEquals(a.parameters(), b.parameters());
            a.fit(blobs(64, 1), TrainingOptions.defaults().epochs(2));
            b.fit(blobs(64, 1), TrainingOptions.defaults().epochs(2));
            assertArrayEquals(a.parameters(), b.parameters());
            try (Backend other = Backend.cpu(1);
                    Model c = a.copyTo(other)) {
                assertArrayEquals(a.parameters(), c.parameters());
                assertEquals(3, c.weights(1).length);
                assertEquals(16, c.weights(1)[0].length);
                assertEquals(a.parameters()[(int) (16 * 4 + 16 * 3)], c.biases(0)[0]);
            }
        }
    }

    @Test
    void divergenceKeepsTheLastGoodParameters() {
        try (Model m = small().build(cpu)) {
            m.fit(blobs(60, 1), TrainingOptions.defaults().epochs(1));
            List<float[]> afterEpoch = new ArrayList<>();
            afterEpoch.add(m.parameters());
            TrainingDivergedException e = assertThrows(
                    TrainingDivergedException.class,
                    () -> m.fit(
                            blobs(60, 1),
                            TrainingOptions.defaults()
                                    .epochs(5)
                                    .optimizer(Optimizer.sgd(1e36))
                                    .listener(new TrainingListener() {
                                        @Override
                                        public boolean onEpoch(EpochEvent ev) {
                                            afterEpoch.add(m.parameters());
                                            return true;
                                        }
                                    })));
            assertTrue(e.getMessage().contains("Optimizer.sgd(learningRate)"), e.getMessage());
            assertFalse(e.getMessage().contains("--"), e.getMessage());
            assertEquals(afterEpoch.size(), e.epoch(), e.getMessage()); // the epoch after the last good one
            assertArrayEquals(afterEpoch.get(afterEpoch.size() - 1), m.parameters());
        }
    }

    @Test
    void errorsSpeakOfTheApi() {
        InvalidConfigurationException e = assertThrows(
                InvalidConfigurationException.class,
                () -> TrainingOptions.defaults().batchSize(0));
        assertEquals("TrainingOptions.batchSize", e.setting());
        assertEquals("TrainingOptions.batchSize: must be at least 1, got 0", e.getMessage());
        e = assertThrows(
                InvalidConfigurationException.class,
                () -> Model.builder()
                        .input(4)
                        .output(3, Activation.sigmoid())
                        .loss(Loss.CROSS_ENTROPY)
                        .build(cpu));
        assertEquals("Model.Builder.loss", e.setting());
        e = assertThrows(
                InvalidConfigurationException.class,
                () -> Model.builder().output(3).build(cpu));
        assertEquals("Model.Builder.input", e.setting());
        e = assertThrows(
                InvalidConfigurationException.class,
                () -> Model.builder().input(5).hidden(2, Activation.softmax()));
        assertEquals("Model.Builder.hidden", e.setting());
        assertThrows(
                InvalidConfigurationException.class, () -> Optimizer.sgd(0.1).momentum(1));
        try (Model m = small().build(cpu)) {
            e = assertThrows(
                    InvalidConfigurationException.class,
                    () -> m.fit(Data.classification(new float[][] {{1, 2}}, new int[] {0})));
            assertTrue(e.getMessage().contains("input(2)"), e.getMessage());
            DataException d = assertThrows(
                    DataException.class, () -> m.predict(new float[][] {{1, 2, 3, 4}, {1, Float.NaN, 3, 4}}));
            assertEquals(1, d.line());
            assertEquals(1, d.column());
        }
        DataException d = assertThrows(
                DataException.class, () -> Data.classification(new float[][] {{1}, {1, 2}}, new int[] {0, 1}));
        assertEquals(1, d.line());
        d = assertThrows(DataException.class, () -> Data.read(Path.of("no/such/file.csv")));
        assertEquals(Path.of("no/such/file.csv"), d.file().orElseThrow());
        ModelFileException f =
                assertThrows(ModelFileException.class, () -> Model.load(Path.of("missing.safetensors"), cpu));
        assertEquals(Path.of("missing.safetensors"), f.file());
    }

    @Test
    void aClosedBackendOrModelCannotBeUsed() {
        Backend b = Backend.cpu(1);
        Model m = small().build(b);
        m.predict(new float[][] {{1, 2, 3, 4}});
        b.close();
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> m.predict(new float[][] {{1, 2, 3, 4}}));
        assertTrue(e.getMessage().contains("backend"), e.getMessage());
        m.close();
        m.close();
        b.close(); // idempotent
        assertFalse(b.isOpen());
        try (Model other = small().build(cpu)) {
            other.close();
            assertThrows(IllegalStateException.class, other::parameters);
        }
    }

    @Test
    void readsDataFilesAndTheirTestSets(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder("f1,f2,kind\n");
        Random r = new Random(1);
        for (int i = 0; i < 60; i++) {
            boolean big = i % 2 == 0;
            sb.append(r.nextGaussian() + (big ? 4 : 0))
                    .append(',')
                    .append(r.nextGaussian())
                    .append(',')
                    .append(big ? "big" : "small")
                    .append('\n');
        }
        Files.writeString(csv, sb.toString());
        Data d = Data.read(csv);
        assertEquals(60, d.count());
        assertEquals(List.of("big", "small"), d.classNames());
        assertEquals(List.of("f1", "f2"), d.featureNames());
        assertTrue(d.test().isEmpty());
        try (Model m = Model.builder()
                .input(2)
                .hidden(4)
                .output(2)
                .scaling(Scaling.STANDARD)
                .build(cpu)) {
            m.fit(d, TrainingOptions.defaults().epochs(20).batchSize(8));
            assertTrue(m.evaluate(d).accuracy() > 0.9);
        }
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "f1,f2,kind\n1,2,big\n1,x,small\n");
        DataException e = assertThrows(DataException.class, () -> Data.read(bad));
        assertEquals(3, e.line());
        assertEquals(1, e.column());
        assertNotEquals(-1, e.line());
    }
}
