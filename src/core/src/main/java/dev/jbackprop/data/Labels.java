package dev.jbackprop.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Training labels collected one per sample (numbers and/or strings), then turned into classes or
 * regression targets.
 *
 * <p>The rules (the same for CSV and npz):
 *
 * <ul>
 *   <li>A number's class name is its shortest form: an integer value as an integer ("3" for 3, 3.0 or
 *       3e0), anything else as Java's {@code Double.toString} ("0.5"). So "3" and "3.0" are one class.
 *   <li>Classes are sorted: numerically when every label is a number, else by the code points of their
 *       names. Sorted, not in order of appearance: the same data in another row order gives the same
 *       outputs, and integer labels 0 … k−1 are outputs 0 … k−1.
 *   <li>Inferred task: every label a number and at least one not an integer → regression; otherwise
 *       classification.
 * </ul>
 */
final class Labels {
    /** An inferred classification with more distinct labels than this is refused (likely regression). */
    static final int MAX_INFERRED_CLASSES = 1000;

    private double[] values = new double[1024];
    private int[] stringIds; // per sample: index into strings, or −1 for a number; null until a string comes
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> strings = new ArrayList<>();
    private int count;
    private boolean allIntegers = true;

    static boolean isInteger(double v) {
        return v == Math.rint(v) && Math.abs(v) < 0x1p53;
    }

    /** The class name of a numeric label. */
    static String canonical(double v) {
        if (v == 0) return "0";
        return isInteger(v) ? Long.toString((long) v) : Double.toString(v);
    }

    int count() {
        return count;
    }

    boolean hasStrings() {
        return !strings.isEmpty();
    }

    boolean allIntegers() {
        return allIntegers;
    }

    /** The inferred task. */
    Task inferTask() {
        return !hasStrings() && !allIntegers ? Task.REGRESSION : Task.CLASSIFICATION;
    }

    void addNumber(double v) {
        grow();
        values[count] = v == 0 ? 0 : v;
        if (stringIds != null) stringIds[count] = -1;
        if (allIntegers && !isInteger(v)) allIntegers = false;
        count++;
    }

    void addString(String s) {
        grow();
        if (stringIds == null) {
            stringIds = new int[values.length];
            Arrays.fill(stringIds, 0, count, -1);
        }
        Integer id = ids.get(s);
        if (id == null) {
            id = strings.size();
            ids.put(s, id);
            strings.add(s);
        }
        stringIds[count] = id;
        count++;
    }

    /** Appends {@code other}'s labels, in order (the labels of a later part of the same file). */
    void addAll(Labels other) {
        for (int i = 0; i < other.count; i++) {
            if (other.stringIds != null && other.stringIds[i] >= 0) addString(other.strings.get(other.stringIds[i]));
            else addNumber(other.values[i]);
        }
    }

    private void grow() {
        if (count == values.length) {
            int n = (int) Math.min(Integer.MAX_VALUE - 8, 2L * values.length);
            values = Arrays.copyOf(values, n);
            if (stringIds != null) stringIds = Arrays.copyOf(stringIds, n);
        }
    }

    /** The labels as regression targets (all must be numbers). */
    float[] asFloats() {
        float[] f = new float[count];
        for (int i = 0; i < count; i++) f[i] = (float) values[i];
        return f;
    }

    /** Classes by the rules above: names in output order and each sample's class index. */
    record Classes(List<String> names, int[] index) {}

    Classes classes() {
        int[] index = new int[count];
        List<String> names;
        if (!hasStrings()) {
            double[] distinct = Arrays.copyOf(values, count);
            Arrays.sort(distinct);
            int d = 0;
            for (int i = 0; i < distinct.length; i++)
                if (i == 0 || distinct[i] != distinct[d - 1]) distinct[d++] = distinct[i];
            distinct = Arrays.copyOf(distinct, d);
            names = new ArrayList<>(d);
            for (double v : distinct) names.add(canonical(v));
            for (int i = 0; i < count; i++) index[i] = Arrays.binarySearch(distinct, values[i]);
        } else {
            TreeSet<String> set = new TreeSet<>(strings);
            for (int i = 0; i < count; i++) if (stringIds[i] < 0) set.add(canonical(values[i]));
            names = new ArrayList<>(set);
            Map<String, Integer> at = new HashMap<>();
            for (int c = 0; c < names.size(); c++) at.put(names.get(c), c);
            int[] byId = new int[strings.size()];
            for (int s = 0; s < byId.length; s++) byId[s] = at.get(strings.get(s));
            for (int i = 0; i < count; i++) {
                index[i] = stringIds[i] >= 0 ? byId[stringIds[i]] : at.get(canonical(values[i]));
            }
        }
        return new Classes(names, index);
    }
}
