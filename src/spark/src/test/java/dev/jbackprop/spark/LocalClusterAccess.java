package dev.jbackprop.spark;

import java.io.IOException;
import org.apache.spark.SparkContext;

/** Opens {@link LocalCluster} (package-private) to the benchmark. */
public final class LocalClusterAccess {
    private LocalClusterAccess() {}

    /** Executor settings for a command that starts local-cluster itself (system properties; see LocalCluster). */
    public static void setProperties(int memoryMiB) throws IOException {
        LocalCluster.setProperties(memoryMiB, LocalCluster.FAST_START);
    }

    public static void clearProperties() {
        LocalCluster.clearProperties();
    }

    public static SparkContext start(int workers, int memoryMiB, String appName) throws IOException {
        return LocalCluster.start(workers, memoryMiB, appName, "");
    }
}
