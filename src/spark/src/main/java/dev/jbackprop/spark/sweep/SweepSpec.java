package dev.jbackprop.spark.sweep;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code --grid} says: axes separated by {@code ;}, each {@code key=values}. The key is a train option without its
 * {@code --} (or {@code hidden}, the hidden layer sizes). The values are a list, separated by {@code ,} (or by
 * {@code |} when a value holds commas: {@code layers=784,128,10|784,256,10}), or, for {@code --random} only, a range
 * {@code lo..hi} of numbers (whole numbers when both ends are), drawn uniformly, or log-uniformly with {@code log:}
 * in front ({@code eta=log:0.001..0.1}).
 *
 * <p>A grid is the cartesian product of the lists, the last axis varying fastest; a random search draws each axis of
 * each configuration from a {@link SplittableRandom} with the given seed, in axis order, so the same spec and seed give
 * the same configurations. Messages are usage errors that name the axis.
 */
public record SweepSpec(String text, List<Axis> axes) {
    /** The most configurations one sweep may have (a typo in a grid should not start a million runs). */
    public static final int MAX_CONFIGURATIONS = 10_000;

    /** How often a random search may draw a configuration it already has before giving up. */
    private static final int MAX_REDRAWS = 10_000;

    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");
    /** A range: two numbers joined by "..", optionally after "log:" (anything else with ".." is a value, a path). */
    private static final Pattern RANGE =
            Pattern.compile("(?i)(log:)?\\s*(" + NUMBER.pattern() + ")\\s*\\.\\.\\s*(" + NUMBER.pattern() + ")");

    /** One axis: an option and its values. */
    public record Axis(String key, List<String> choices, Range range) {
        /** How many distinct values this axis can take (Long.MAX_VALUE: a range of reals). */
        long size() {
            if (range == null) return choices.size();
            return range.whole() ? (long) range.hi() - (long) range.lo() + 1 : Long.MAX_VALUE;
        }

        String draw(SplittableRandom rng) {
            return range == null ? choices.get(rng.nextInt(choices.size())) : range.draw(rng);
        }
    }

    /** A range of numbers to draw from: [lo, hi], whole numbers or reals, uniform or log-uniform. */
    public record Range(double lo, double hi, boolean whole, boolean log) {
        String draw(SplittableRandom rng) {
            if (whole) {
                if (!log) return Long.toString((long) lo + rng.nextLong((long) hi - (long) lo + 1));
                // log-uniform over [lo - 0.5, hi + 0.5), rounded: each whole number gets its share of log space
                double a = Math.log(lo - 0.5), b = Math.log(hi + 0.5);
                long v = Math.round(Math.exp(a + (b - a) * rng.nextDouble()));
                return Long.toString(Math.max((long) lo, Math.min((long) hi, v)));
            }
            double u = rng.nextDouble();
            double v = log ? Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * u) : lo + (hi - lo) * u;
            return shortest(Math.max(lo, Math.min(hi, v)));
        }

        /** Four significant digits, plain notation: what is passed to train and recorded. */
        static String shortest(double v) {
            return new BigDecimal(v)
                    .round(new MathContext(4))
                    .stripTrailingZeros()
                    .toPlainString();
        }
    }

    /** Parses a spec; every problem is an {@link IllegalArgumentException} naming the axis. */
    public static SweepSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "--grid is empty: give axes such as \"eta=0.01,0.05;batch=32,64\" (key=values, axes separated by ;)");
        }
        List<Axis> axes = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            int n = i + 1;
            if (part.isEmpty()) {
                if (i == parts.length - 1 && i > 0) continue; // a trailing ';'
                throw usage(n, part, "is empty; axes are key=values separated by ';'");
            }
            int eq = part.indexOf('=');
            if (eq < 0) throw usage(n, part, "has no '=': write key=value,value,… such as eta=0.01,0.05");
            String key = part.substring(0, eq).strip();
            String values = part.substring(eq + 1).strip();
            if (key.startsWith("--")) key = key.substring(2);
            if (!KEY.matcher(key).matches()) {
                throw usage(
                        n,
                        part,
                        "does not start with an option name: use train's options without --, such as eta, batch or"
                                + " layers (or hidden)");
            }
            Integer before = seen.put(key, n);
            if (before != null) {
                throw new IllegalArgumentException("--grid: " + key + " appears twice (axes " + before + " and " + n
                        + "); give each option once, with all its values");
            }
            axes.add(axis(n, part, key, values));
        }
        return new SweepSpec(text.strip(), List.copyOf(axes));
    }

    private static Axis axis(int n, String part, String key, String values) {
        if (values.isEmpty()) throw usage(n, part, "has no values: write " + key + "=value,value,…");
        String sep = values.contains("|") ? "\\|" : ",";
        String[] raw = values.split(sep, -1);
        List<String> list = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        for (String r : raw) {
            String v = r.strip();
            if (v.isEmpty()) {
                throw usage(
                        n,
                        part,
                        "has an empty value (values are separated by ','; use '|' between values that hold commas)");
            }
            if (!distinct.add(v)) throw usage(n, part, "lists " + v + " twice");
            list.add(v);
        }
        boolean anyRange = list.stream().anyMatch(v -> RANGE.matcher(v).matches());
        if (!anyRange) return new Axis(key, List.copyOf(list), null);
        if (list.size() > 1) {
            throw usage(n, part, "mixes a range with other values: give either a list or one range lo..hi");
        }
        return new Axis(key, null, range(n, part, list.get(0)));
    }

    private static Range range(int n, String part, String text) {
        Matcher m = RANGE.matcher(text);
        if (!m.matches()) throw new IllegalStateException(text); // anyRange said so
        boolean log = m.group(1) != null;
        String a = m.group(2), b = m.group(5);
        double lo = Double.parseDouble(a), hi = Double.parseDouble(b);
        if (!(lo < hi)) throw usage(n, part, "has a range whose low end " + a + " is not below its high end " + b);
        if (log && lo <= 0) throw usage(n, part, "has a log: range that does not start above 0");
        boolean whole = WHOLE.matcher(a).matches() && WHOLE.matcher(b).matches();
        if (whole && (Math.abs(lo) > 1e15 || Math.abs(hi) > 1e15)) throw usage(n, part, "has a range too wide");
        return new Range(lo, hi, whole, log);
    }

    private static IllegalArgumentException usage(int axis, String part, String what) {
        return new IllegalArgumentException("--grid: axis " + axis + " '" + part + "' " + what);
    }

    /** The option names of the axes, in order. */
    public List<String> keys() {
        return axes.stream().map(Axis::key).toList();
    }

    /** The number of configurations the grid makes (Long.MAX_VALUE when a range of reals makes it unbounded). */
    public long size() {
        long total = 1;
        for (Axis a : axes) {
            long s = a.size();
            if (s == Long.MAX_VALUE || total > Long.MAX_VALUE / s) return Long.MAX_VALUE;
            total *= s;
        }
        return total;
    }

    /** Every combination of the lists, the last axis varying fastest. */
    public List<Map<String, String>> grid() {
        for (Axis a : axes) {
            if (a.range() != null) {
                throw new IllegalArgumentException("--grid: " + a.key() + " is a range, which only --random N draws"
                        + " from; for a grid, list the values (such as " + a.key() + "=0.001,0.01,0.1)");
            }
        }
        long size = size();
        if (size > MAX_CONFIGURATIONS) {
            throw new IllegalArgumentException("--grid makes " + String.format(Locale.ROOT, "%,d", size)
                    + " configurations, more than " + String.format(Locale.ROOT, "%,d", MAX_CONFIGURATIONS)
                    + "; give fewer values, or draw some with --random N");
        }
        List<Map<String, String>> out = new ArrayList<>();
        int[] at = new int[axes.size()];
        for (long c = 0; c < size; c++) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < axes.size(); i++)
                m.put(axes.get(i).key(), axes.get(i).choices().get(at[i]));
            out.add(m);
            for (int i = axes.size() - 1; i >= 0; i--) { // the odometer: the last axis turns fastest
                if (++at[i] < axes.get(i).choices().size()) break;
                at[i] = 0;
            }
        }
        return out;
    }

    /** n distinct configurations drawn with the seed. */
    public List<Map<String, String>> random(int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("--random must be at least 1, got " + n);
        if (n > MAX_CONFIGURATIONS) {
            throw new IllegalArgumentException("--random " + n + " is more than "
                    + String.format(Locale.ROOT, "%,d", MAX_CONFIGURATIONS) + " configurations");
        }
        long size = size();
        if (size < n) {
            throw new IllegalArgumentException("--random " + n + " asks for more configurations than the grid has ("
                    + size + "); use --random " + size + " or fewer, or run the whole grid without --random");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Map<String, String>> out = new ArrayList<>();
        Set<Map<String, String>> seen = new HashSet<>();
        int redraws = 0;
        while (out.size() < n) {
            Map<String, String> m = new LinkedHashMap<>();
            for (Axis a : axes) m.put(a.key(), a.draw(rng));
            if (seen.add(m)) {
                out.add(m);
            } else if (++redraws > MAX_REDRAWS) {
                throw new IllegalArgumentException("--random " + n + ": drew " + MAX_REDRAWS + " repeats of "
                        + "configurations already drawn (rounded to 4 digits); widen the ranges or ask for fewer");
            }
        }
        return out;
    }
}
