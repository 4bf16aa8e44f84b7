package dev.jbackprop.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The grid syntax, the grid's order, random draws, and train's parser checking every configuration (no Spark). */
class SweepSpecTest {

    @Test
    void aGridIsTheProductOfItsListsTheLastAxisFastest() {
        SweepSpec s = SweepSpec.parse("eta=0.01,0.05;batch=32,64;hidden=128,256");
        assertEquals(List.of("eta", "batch", "hidden"), s.keys());
        assertEquals(8, s.size());
        List<String> got = s.grid().stream()
                .map(m -> m.get("eta") + "/" + m.get("batch") + "/" + m.get("hidden"))
                .toList();
        assertEquals(
                List.of(
                        "0.01/32/128",
                        "0.01/32/256",
                        "0.01/64/128",
                        "0.01/64/256",
                        "0.05/32/128",
                        "0.05/32/256",
                        "0.05/64/128",
                        "0.05/64/256"),
                got);
    }

    @Test
    void valuesWithCommasAreSeparatedByBars() {
        SweepSpec s = SweepSpec.parse(" layers = 784,128,10 | 784,64,64,10 ; --eta=0.1 ;");
        assertEquals(List.of("784,128,10", "784,64,64,10"), s.axes().get(0).choices());
        assertEquals(List.of("0.1"), s.axes().get(1).choices());
        assertEquals("eta", s.axes().get(1).key()); // a leading -- is allowed
        // a value with ".." that is not a range of numbers is a value (a path)
        assertEquals(
                List.of("../a.safetensors", "../b.safetensors"),
                SweepSpec.parse("init-weights=../a.safetensors,../b.safetensors")
                        .axes()
                        .get(0)
                        .choices());
    }

    @Test
    void randomDrawsAreSeededDistinctAndWithinTheirRanges() {
        SweepSpec s = SweepSpec.parse("eta=log:0.001..0.1;hidden=16..64;momentum=0,0.9;lambda=0..5");
        List<Map<String, String>> a = s.random(40, 7), b = s.random(40, 7), c = s.random(40, 8);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(40, new HashSet<>(a).size());
        double below = 0;
        for (Map<String, String> m : a) {
            double eta = Double.parseDouble(m.get("eta"));
            assertTrue(eta >= 0.001 && eta <= 0.1, m.toString());
            if (eta < 0.01) below++; // log-uniform: half of the draws below the geometric middle
            int hidden = Integer.parseInt(m.get("hidden")); // whole numbers for whole ends
            assertTrue(hidden >= 16 && hidden <= 64, m.toString());
            assertTrue(m.get("momentum").equals("0") || m.get("momentum").equals("0.9"));
            double lambda = Double.parseDouble(m.get("lambda"));
            assertTrue(lambda >= 0 && lambda <= 5);
            assertTrue(m.get("eta").length() <= 8, m.get("eta")); // 4 significant digits, plain
        }
        assertTrue(below >= 10 && below <= 30, "draws of eta below 0.01: " + below);
        // a whole-number log range reaches both of its ends
        SweepSpec w = SweepSpec.parse("hidden=log:1..4");
        assertEquals(
                Set.of("1", "2", "3", "4"),
                w.random(4, 3).stream().map(m -> m.get("hidden")).collect(Collectors.toSet()));
    }

    @Test
    void aRandomSearchCannotAskForMoreThanTheGridHas() {
        SweepSpec s = SweepSpec.parse("batch=32,64;momentum=0,0.9");
        assertEquals(4, s.random(4, 1).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.random(5, 1));
        assertEquals(
                "--random 5 asks for more configurations than the grid has (4); use --random 4 or fewer, or run the"
                        + " whole grid without --random",
                e.getMessage());
    }

    @Test
    void badGridsAreRefusedNamingTheAxis() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry(
                        "",
                        "--grid is empty: give axes such as \"eta=0.01,0.05;batch=32,64\" (key=values, axes"
                                + " separated by ;)"),
                Map.entry(
                        "eta0.01",
                        "--grid: axis 1 'eta0.01' has no '=': write key=value,value,… such as" + " eta=0.01,0.05"),
                Map.entry("eta=0.01;;batch=3", "--grid: axis 2 '' is empty; axes are key=values separated by ';'"),
                Map.entry(
                        "eta=0.01,,0.05",
                        "--grid: axis 1 'eta=0.01,,0.05' has an empty value (values are"
                                + " separated by ','; use '|' between values that hold commas)"),
                Map.entry("eta=", "--grid: axis 1 'eta=' has no values: write eta=value,value,…"),
                Map.entry(
                        "Eta=1",
                        "--grid: axis 1 'Eta=1' does not start with an option name: use train's options"
                                + " without --, such as eta, batch or layers (or hidden)"),
                Map.entry(
                        "eta=1;batch=2;eta=3",
                        "--grid: eta appears twice (axes 1 and 3); give each option once," + " with all its values"),
                Map.entry("batch=32,64,32", "--grid: axis 1 'batch=32,64,32' lists 32 twice"),
                Map.entry(
                        "eta=0.1..0.01",
                        "--grid: axis 1 'eta=0.1..0.01' has a range whose low end 0.1 is not below"
                                + " its high end 0.01"),
                Map.entry(
                        "eta=log:0..0.1",
                        "--grid: axis 1 'eta=log:0..0.1' has a log: range that does not start" + " above 0"),
                Map.entry(
                        "eta=0.01,0.1..0.2",
                        "--grid: axis 1 'eta=0.01,0.1..0.2' mixes a range with other values:"
                                + " give either a list or one range lo..hi"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(c.getKey()), c.getKey());
            assertEquals(c.getValue(), e.getMessage(), c.getKey());
        }
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class,
                () -> SweepSpec.parse("eta=0.001..0.1").grid());
        assertEquals(
                "--grid: eta is a range, which only --random N draws from; for a grid, list the values (such as"
                        + " eta=0.001,0.01,0.1)",
                range.getMessage());
        String ten = "1,2,3,4,5,6,7,8,9,10";
        IllegalArgumentException big = assertThrows(
                IllegalArgumentException.class,
                () -> SweepSpec.parse("a=" + ten + ";b=" + ten + ";c=" + ten + ";d=" + ten + ",11")
                        .grid());
        assertEquals(
                "--grid makes 11,000 configurations, more than 10,000; give fewer values, or draw some with --random N",
                big.getMessage());
    }

    @Test
    void thePlanGivesEachRunTrainsArgumentsCheckedByTrainsParser() {
        SweepPlan p = SweepPlan.of(
                "eta=0.01;hidden=8|8,4;no-graph=off,on",
                0,
                1,
                List.of("--layers", "16,30,10", "--epochs", "2"),
                "1e",
                2);
        assertEquals(4, p.runs().size());
        assertEquals("run-001", p.runs().get(0).name());
        // the base's --layers gives hidden its input and output sizes, and is replaced; off leaves a switch out
        assertEquals(
                List.of("--epochs", "2", "--threads", "2", "--no-progress", "--eta", "0.01", "--layers", "16,8,10"),
                p.runs().get(0).args());
        assertEquals(
                List.of(
                        "--epochs",
                        "2",
                        "--threads",
                        "2",
                        "--no-progress",
                        "--eta",
                        "0.01",
                        "--layers",
                        "16,8,4,10",
                        "--no-graph"),
                p.runs().get(3).args());
        assertEquals("eta=0.01 hidden=8,4 no-graph=on", p.runs().get(3).describe());
        // without --layers in the base, hidden is train's --hidden (the data gives the input and output sizes)
        SweepPlan d = SweepPlan.of("hidden=32|64,32", 0, 1, List.of(), "1e", 1);
        assertTrue(String.join(" ", d.runs().get(0).args()).endsWith("--hidden 32"));
        assertTrue(String.join(" ", d.runs().get(1).args()).endsWith("--hidden 64,32"));
        // a base that sets --threads keeps it
        SweepPlan t = SweepPlan.of("eta=0.1", 0, 1, List.of("--threads", "3", "--no-progress"), "1e", 1);
        assertEquals(
                List.of("--threads", "3", "--no-progress", "--eta", "0.1"),
                t.runs().get(0).args());
    }

    @Test
    void keysAndValuesTrainDoesNotTakeAreUsageErrors() {
        Map<String, String> cases = Map.of(
                "etta=0.1",
                "--grid: etta is not an option of jbackprop train (its options, without --: ",
                "out=a,b",
                "--grid: out is set by the sweep itself, for each run; it cannot be varied",
                "eta=fast",
                "--grid: run-001 (eta=fast): Invalid value for option '--eta': 'fast' is not a double",
                "tf32=maybe",
                "--grid: tf32 is a switch: give it the values true and false (or on and off), not maybe",
                "hidden=8;layers=1,2|3,4",
                "--grid: hidden and layers both set the layers; give one of them",
                "batch=32",
                "--grid: batch is varied by the grid and also fixed by --batch among the train options; give it in"
                        + " one place");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> SweepPlan.of(c.getKey(), 0, 1, List.of("--batch", "16"), "1e", 1),
                    c.getKey());
            assertTrue(e.getMessage().startsWith(c.getValue()), c.getKey() + ": " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
        IllegalArgumentException base = assertThrows(
                IllegalArgumentException.class, () -> SweepPlan.of("eta=1", 0, 1, List.of("--epochz", "3"), "1e", 1));
        assertTrue(
                base.getMessage().startsWith("the train options given to sweep: Unknown options: '--epochz', '3'"),
                base.getMessage());
        IllegalArgumentException force = assertThrows(
                IllegalArgumentException.class, () -> SweepPlan.of("eta=1", 0, 1, List.of("--force"), "1e", 1));
        assertTrue(
                force.getMessage().startsWith("--force is not a train option a sweep passes on"), force.getMessage());
    }
}
