package dev.jbackprop.spark;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * Spark's {@code local-cluster[workers, cores, MiB]} master from a plain Maven test: a standalone master and workers in
 * this JVM, and one executor JVM per worker. What it needs here, found by running it: the workers launch executors
 * through Spark's launcher, which wants a Spark home with a {@code jars} folder (SPARK_HOME; an empty one will do, set
 * by surefire to target/spark-home) and the Scala version (SPARK_SCALA_VERSION=2.13, also set by surefire); the
 * executors get this JVM's class path through {@code spark.executor.extraClassPath}, and Spark adds its Java 17 module
 * openings to their command line itself.
 */
final class LocalCluster {
    private LocalCluster() {}

    /** Executor JVM options that start faster on a busy 2-core machine: the client compiler and one GC thread. */
    static final String FAST_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    /**
     * The settings {@link #start} gives a local-cluster master, as {@code spark.*} system properties, which every new
     * SparkConf reads (for a command that starts Spark itself, such as train --workers); cleared with {@link
     * #clearProperties}.
     */
    static void setProperties(int memoryMiB, String executorJavaOptions) throws IOException {
        String home = System.getenv("SPARK_HOME");
        if (home == null || System.getenv("SPARK_SCALA_VERSION") == null) {
            throw new IllegalStateException("local-cluster needs SPARK_HOME (a folder with a jars/ subfolder) and"
                    + " SPARK_SCALA_VERSION in the environment; surefire sets both (see pom.xml)");
        }
        Files.createDirectories(Path.of(home, "jars"));
        System.setProperty("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        System.setProperty("spark.executor.memory", (memoryMiB / 2) + "m");
        System.setProperty("spark.executor.extraJavaOptions", executorJavaOptions);
        System.setProperty("spark.worker.dir", new File(home, "work").getAbsolutePath());
    }

    static void clearProperties() {
        for (String p : new String[] {
            "spark.executor.extraClassPath",
            "spark.executor.memory",
            "spark.executor.extraJavaOptions",
            "spark.worker.dir"
        }) System.clearProperty(p);
    }

    /** Starts {@code local-cluster[workers,1,memoryMiB]}, or explains in one line what is missing. */
    static SparkContext start(int workers, int memoryMiB, String appName, String executorJavaOptions)
            throws IOException {
        String home = System.getenv("SPARK_HOME");
        if (home == null || System.getenv("SPARK_SCALA_VERSION") == null) {
            throw new IllegalStateException("local-cluster needs SPARK_HOME (a folder with a jars/ subfolder) and"
                    + " SPARK_SCALA_VERSION in the environment; surefire sets both (see pom.xml)");
        }
        Files.createDirectories(Path.of(home, "jars"));
        String master = "local-cluster[" + workers + ",1," + memoryMiB + "]";
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName(appName)
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.memory", (memoryMiB / 2) + "m")
                .set("spark.executor.extraJavaOptions", executorJavaOptions);
        SparkContexts.defaults(conf, master);
        // executors log next to the test reports instead of in SPARK_HOME/work
        conf.set("spark.worker.dir", new File(home, "work").getAbsolutePath());
        return SparkContext.getOrCreate(conf);
    }
}
