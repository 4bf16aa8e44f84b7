package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Views, batch conversion and normalisation of the compact data sets. */
class CompactDatasetTest {
    /** 5 samples of 3 bytes: sample i's feature k is 10·i + k; classes a, b, c. */
    private static Dataset bytes() {
        byte[] px = new byte[15];
        for (int i = 0; i < 5; i++) for (int k = 0; k < 3; k++) px[i * 3 + k] = (byte) (10 * i + k);
        return Dataset.classification(
                FeatureMatrix.wrapUint8(3, px, List.of("r", "g", "b")),
                new int[] {2, 0, 1, 1, 0},
                List.of("a", "b", "c"),
                "kind");
    }

    @Test
    void gatherDecodesBytesPerBatchInColumnMajorOrder() {
        Dataset d = bytes();
        float[] x = new float[2 + 2 * 3];
        d.gatherFeatures(new int[] {9, 4, 1, 9}, 1, 2, x, 2);
        assertArrayEquals(new float[] {0, 0, 40 / 255f, 41 / 255f, 42 / 255f, 10 / 255f, 11 / 255f, 12 / 255f}, x);
        float[] y = new float[6];
        d.gatherTargets(new int[] {4, 0}, 0, 2, y, 0);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, y);
        int[] c = new int[2];
        d.gatherClassIndices(new int[] {0, 2}, 0, 2, c, 0);
        assertArrayEquals(new int[] {2, 1}, c);
        assertThrows(IndexOutOfBoundsException.class, () -> d.gatherFeatures(new int[] {5}, 0, 1, x, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.gatherFeatures(new int[] {1}, 0, 2, x, 0));
        assertEquals(List.of("r", "g", "b"), d.featureNames());
        assertEquals(FeatureMatrix.Type.UINT8, d.schema().featureType());
    }

    @Test
    void viewsShareTheStorage() {
        Dataset d = bytes();
        Dataset s = d.slice(1, 5).select(new int[] {3, 0}).slice(1, 2);
        assertEquals(1, s.count());
        assertEquals(1, s.storeIndex(0));
        assertSame(d.featureMatrix(), s.featureMatrix());
        assertEquals(10 / 255f, s.x(0, 0));
        assertEquals(0, s.label(0));
        assertArrayEquals(
                new int[] {4, 1}, d.slice(1, 5).select(new int[] {3, 0}).storeIndices());
        assertArrayEquals(new int[] {2, 3}, d.slice(2, 4).storeIndices());
        assertThrows(IndexOutOfBoundsException.class, () -> d.select(new int[] {5}));
    }

    @Test
    void regressionTargetsAndTargetlessSets() {
        Dataset r = Dataset.regression(
                FeatureMatrix.wrapFloat32(1, new float[] {1, 2, 3}, List.of()),
                new float[] {0.5f, 1, 2, 3, -1, 4},
                List.of("p", "q"));
        assertEquals(Task.REGRESSION, r.task());
        float[] y = new float[4];
        r.gatherTargets(new int[] {2, 0}, 0, 2, y, 0);
        assertArrayEquals(new float[] {-1, 4, 0.5f, 1}, y);
        assertArrayEquals(new int[] {1, 1, 1}, r.labels());
        assertEquals(List.of(), r.schema().classNames());
        assertThrows(IllegalStateException.class, () -> r.gatherClassIndices(new int[] {0}, 0, 1, new int[1], 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> Dataset.regression(
                        FeatureMatrix.wrapFloat32(1, new float[] {1}, List.of()),
                        new float[] {Float.NaN},
                        List.of("y")));
        Dataset u = Dataset.unlabeled(FeatureMatrix.wrapFloat32(2, new float[] {1, 2, 3, 4}, List.of()));
        assertNull(u.task());
        assertEquals(0, u.outputs());
        assertArrayEquals(new float[] {3, 4}, u.slice(1, 2).x());
        assertThrows(IllegalStateException.class, u::y);
    }

    @Test
    void normalisationAppliesWhenBatchesAreConverted() {
        float[] x = {1, 10, 3, 10, 5, 10, 7, 10};
        Dataset d = Dataset.of(2, 2, x, new int[] {0, 1, 0, 1});
        Normalization std = Normalization.fit(Normalization.Kind.STANDARD, d);
        assertArrayEquals(new double[] {4, 10}, std.shift());
        assertArrayEquals(new double[] {Math.sqrt(5), 0}, std.scale());
        Dataset n = d.withNormalization(std);
        float[] b = new float[4];
        n.gatherFeatures(new int[] {0, 3}, 0, 2, b, 0);
        float f = (float) (1 / Math.sqrt(5));
        assertArrayEquals(new float[] {(1 - 4) * f, 0, (7 - 4) * f, 0}, b);
        assertEquals((5 - 4) * f, n.x(2, 0));
        assertArrayEquals(b, new float[] {n.x()[0], n.x()[1], n.x()[6], n.x()[7]});
        // the raw data is untouched
        assertEquals(7f, d.x(3, 0));
        Normalization mm = Normalization.fit(Normalization.Kind.MINMAX, d.slice(1, 3));
        assertArrayEquals(new double[] {3, 10}, mm.shift());
        assertArrayEquals(new double[] {2, 0}, mm.scale());
        assertEquals(1f, d.withNormalization(mm).x(2, 0));
        assertEquals(2f, d.withNormalization(mm).x(3, 0)); // outside the training range: not clipped
        assertThrows(IllegalArgumentException.class, () -> bytes().withNormalization(std));
    }

    @Test
    void normalisationOfBytesUsesDecodedValues() {
        Normalization mm = Normalization.fit(Normalization.Kind.MINMAX, bytes());
        assertEquals(0.0, mm.shift()[0]);
        assertEquals((double) (40 / 255f), mm.scale()[0], 1e-12);
        assertEquals(Normalization.Kind.NONE, Normalization.defaultKind(FeatureMatrix.Type.UINT8));
        assertEquals(Normalization.Kind.STANDARD, Normalization.defaultKind(FeatureMatrix.Type.FLOAT32));
        // by the training set: pixels written as text (whole numbers in [0, 255]) get minmax, other floats standard
        float[] pixels = {0, 255, 17, 0, 3, 128};
        Dataset px = Dataset.of(3, 2, pixels, new int[] {0, 1});
        assertEquals(Normalization.Kind.MINMAX, Normalization.defaultKind(px));
        for (float other : new float[] {0.5f, -1, 256, Float.MIN_VALUE}) {
            float[] v = pixels.clone();
            v[4] = other;
            assertEquals(
                    Normalization.Kind.STANDARD,
                    Normalization.defaultKind(Dataset.of(3, 2, v, new int[] {0, 1})),
                    "with " + other);
        }
        float[] v = pixels.clone();
        v[4] = 0.5f; // in the sample left out of the view: the view decides
        assertEquals(
                Normalization.Kind.MINMAX,
                Normalization.defaultKind(Dataset.of(3, 2, v, new int[] {0, 1}).first(1)));
        byte[] bytes = {1, 2, 3};
        assertEquals(
                Normalization.Kind.NONE,
                Normalization.defaultKind(Dataset.unlabeled(FeatureMatrix.wrapUint8(3, bytes, java.util.List.of()))));
        assertSame(Normalization.NONE, Normalization.fit(Normalization.Kind.NONE, bytes()));
    }

    @Test
    void normalisationAndSchemaRoundTripThroughJson() {
        Normalization n = Normalization.of(
                Normalization.Kind.STANDARD, new double[] {0.1, -3e-7, 5}, new double[] {1.0 / 3, 2, 0});
        Normalization back = Normalization.fromJson(n.toJson());
        assertEquals(n, back);
        assertArrayEquals(n.factorFloats(), back.factorFloats());
        assertEquals(1f, back.factorFloats()[2]);
        assertSame(Normalization.NONE, Normalization.fromJson(Normalization.NONE.toJson()));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Normalization.fromJson("{\"kind\":\"standard\",\"shift\":[1]}"));
        assertTrue(e.getMessage().contains("lacks the array \"scale\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Normalization.fromJson("{\"kind\":\"zscore\"}"));

        DataSchema s = bytes().schema();
        assertEquals(s, DataSchema.fromJson(s.toJson()));
        assertEquals(3, s.outputs());
        assertEquals(2, s.classIndex("c"));
        DataSchema r = Dataset.ofTargets(2, 2, new float[4], new float[4]).schema();
        assertEquals(r, DataSchema.fromJson(r.toJson()));
        assertEquals(List.of("y0", "y1"), r.targetNames());
        assertThrows(IllegalArgumentException.class, () -> DataSchema.fromJson("{\"task\":\"classification\"}"));
    }

    @Test
    void schemaChecksTheFeatureCount() throws DataFormatException {
        DataSchema s = bytes().schema();
        s.checkFeatures(java.nio.file.Path.of("in.csv"), 3);
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> s.checkFeatures(java.nio.file.Path.of("in.csv"), 4));
        assertEquals(
                "in.csv: has 4 features per sample but the training data had 3; give data with the same columns as the"
                        + " training data",
                e.getMessage());
    }
}
