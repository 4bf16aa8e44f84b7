import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads MNIST from the IDX files in DIR (Mnist.readDir, as `train --data DIR` does) and prints the
 * process's peak resident memory (VmHWM) and the heap in use afterwards. Uses only API that existed
 * before the compact data sets, so the same file measures an older build too.
 * Usage: java -Xmx8g -cp JAR bench/data/LoadRss.java DIR
 */
public class LoadRss {
    public static void main(String[] a) throws Exception {
        Mnist m = Mnist.readDir(Path.of(a[0]));
        Dataset train = m.train(), test = m.test();
        System.out.println(train + " + " + test + " " + memory());
    }

    static String memory() throws Exception {
        String hwm = "?";
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) hwm = line.substring(6).trim();
        }
        Runtime rt = Runtime.getRuntime();
        long before = rt.totalMemory() - rt.freeMemory();
        System.gc();
        long live = rt.totalMemory() - rt.freeMemory();
        return String.format(
                java.util.Locale.ROOT,
                "peak RSS (VmHWM) %s = %.0f MB; heap in use %.0f MB, after a GC %.0f MB",
                hwm,
                Long.parseLong(hwm.replaceAll("[^0-9]", "")) / 1024.0,
                before / 1e6,
                live / 1e6);
    }
}
