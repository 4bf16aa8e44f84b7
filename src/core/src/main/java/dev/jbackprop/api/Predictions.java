package dev.jbackprop.api;

import java.util.List;

/**
 * A model's outputs for some inputs, one row per input row: probabilities for a softmax output, the predicted
 * targets for regression.
 */
public final class Predictions {
    private final int rows;
    private final int outputs;
    private final float[] values; // outputs × rows, column-major: row i at [i·outputs, (i+1)·outputs)
    private final List<String> classNames;

    Predictions(int rows, int outputs, float[] values, List<String> classNames) {
        this.rows = rows;
        this.outputs = outputs;
        this.values = values;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * The number of rows predicted.
     *
     * @return the rows, as many as were given
     */
    public int rows() {
        return rows;
    }

    /**
     * The number of outputs per row.
     *
     * @return the network's output size
     */
    public int outputs() {
        return outputs;
    }

    /**
     * Every output.
     *
     * @return one row of outputs per input row (a new array)
     */
    public float[][] values() {
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) out[i] = row(i);
        return out;
    }

    /**
     * One row's outputs.
     *
     * @param row the input row, 0-based
     * @return its outputs (a new array)
     * @throws IndexOutOfBoundsException for a row not predicted
     */
    public float[] row(int row) {
        java.util.Objects.checkIndex(row, rows);
        float[] r = new float[outputs];
        System.arraycopy(values, row * outputs, r, 0, outputs);
        return r;
    }

    /**
     * The index of a row's largest output (the first on ties): its predicted class.
     *
     * @param row the input row, 0-based
     * @return the class index
     * @throws IndexOutOfBoundsException for a row not predicted
     */
    public int predictedClass(int row) {
        java.util.Objects.checkIndex(row, rows);
        int at = row * outputs, best = 0;
        for (int c = 1; c < outputs; c++) if (values[at + c] > values[at + best]) best = c;
        return best;
    }

    /**
     * Every row's predicted class.
     *
     * @return one class index per row
     */
    public int[] predictedClasses() {
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) out[i] = predictedClass(i);
        return out;
    }

    /**
     * The name of a row's predicted class.
     *
     * @param row the input row, 0-based
     * @return the class's name as the training data named it, or its index as text when the model has no names
     */
    public String predictedClassName(int row) {
        int c = predictedClass(row);
        return c < classNames.size() ? classNames.get(c) : Integer.toString(c);
    }
}
