package dev.jbackprop.bench;

import dev.jbackprop.backend.cuda.CudaProbe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jar's entry point: JMH's own command line (org.openjdk.jmh.Main), except that without a GPU
 * and without an explicit "-p backend=…" it adds "-p backend=cpu" and says so, so that the cuda
 * variants are skipped instead of failing one by one.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean listing =
                a.contains("-l") || a.contains("-lp") || a.contains("-h") || a.contains("-lprof") || a.contains("-lrf");
        if (!listing && !namesBackend(a)) {
            CudaProbe.Availability cuda = CudaProbe.probe();
            if (!cuda.available()) {
                System.err.println("no CUDA device (" + cuda.reason()
                        + "): cuda benchmarks skipped (running with -p backend=cpu)");
                a.add("-p");
                a.add("backend=cpu");
            }
        }
        org.openjdk.jmh.Main.main(a.toArray(new String[0]));
    }

    private static boolean namesBackend(List<String> a) {
        for (int i = 0; i < a.size(); i++) {
            String s = a.get(i);
            if (s.startsWith("-pbackend=")
                    || (s.equals("-p") && i + 1 < a.size() && a.get(i + 1).startsWith("backend="))) return true;
        }
        return false;
    }
}
