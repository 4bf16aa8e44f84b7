package dev.jbackprop.spark;

import java.io.IOException;
import org.apache.spark.SparkContext;

/** Opens {@link LocalCluster} (package-private) to the benchmark. */
public final class LocalClusterAccess {
    private LocalClusterAccess() {}

    public static SparkContext start(int workers, int memoryMiB, String appName) throws IOException {
        return LocalCluster.start(workers, memoryMiB, appName, "");
    }
}
