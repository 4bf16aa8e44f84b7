package dev.jbackprop.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * Starting Spark for jbackprop: an embedded {@code local[*]} by default, or any master. A master that cannot work is
 * refused before Spark is started, in one line, instead of Spark's minute of retries.
 */
public final class SparkContexts {
    /** How long to wait for a standalone master to accept a TCP connection. */
    static final int MASTER_CONNECT_TIMEOUT_MS = 3000;

    /** The master URL forms Spark accepts (SparkContext.createTaskScheduler and the cluster managers). */
    private static final Pattern KNOWN_MASTER = Pattern.compile("local"
            + "|local\\[(\\d+|\\*)]"
            + "|local\\[(\\d+|\\*)\\s*,\\s*\\d+]"
            + "|local-cluster\\[\\s*\\d+\\s*,\\s*\\d+\\s*,\\s*\\d+\\s*]"
            + "|(?i:spark)://.+|yarn|k8s://.+");

    private SparkContexts() {}

    /**
     * Starts (or, under spark-submit, joins: the master then must be the one spark-submit gave) the SparkContext for {@code master} with jbackprop's defaults: no web UI
     * unless asked; a barrier stage that needs more slots than exist fails at once instead of re-checking for 10
     * minutes; on a local master the driver listens on 127.0.0.1.
     *
     * @throws SparkSetupException if the master is malformed or unreachable, or Spark does not start
     */
    public static SparkContext start(String master, String appName) {
        return start(master, appName, java.util.Map.of());
    }

    /**
     * {@link #start(String, String)} with Spark settings of the caller's (such as {@code spark.task.cpus}), which
     * override jbackprop's defaults.
     *
     * @throws SparkSetupException if the master is malformed or unreachable, or Spark does not start
     */
    public static SparkContext start(String master, String appName, java.util.Map<String, String> settings) {
        checkMaster(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName);
        settings.forEach(conf::set);
        defaults(conf, master);
        SparkContext sc;
        try {
            sc = SparkContext.getOrCreate(conf);
        } catch (Exception e) { // SparkException is checked, though Scala does not declare it
            throw new SparkSetupException(
                    "cannot start Spark with master '" + master + "': " + firstLine(e) + " (check the master URL)", e);
        }
        if (!sc.master().equals(master)) { // getOrCreate returned a context already running in this JVM
            throw new SparkSetupException("a SparkContext with master '" + sc.master()
                    + "' already runs in this JVM (one per JVM): stop it first, or ask for that master");
        }
        return sc;
    }

    /** jbackprop's defaults, each only where the configuration does not say otherwise. */
    static void defaults(SparkConf conf, String master) {
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "1");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
        if (isLocal(master)) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
    }

    /** A master on this machine (local, local[N], local-cluster[...]): loopback addresses work. */
    public static boolean isLocal(String master) {
        return master.startsWith("local");
    }

    /** A master whose tasks are threads of this JVM (local, local[N], local[N,F]): its slots are known at once. */
    public static boolean isInProcess(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    /**
     * Refuses a blank master, one of no form Spark knows, and a standalone master
     * ({@code spark://host:port[,host:port]}) none of whose addresses accepts a connection. Other masters (local, yarn,
     * k8s) are left to Spark.
     */
    public static void checkMaster(String master) {
        if (master == null || master.isBlank()) {
            throw new SparkSetupException(
                    "no Spark master given: use local[*] to run on this machine, or a cluster's URL");
        }
        if (!KNOWN_MASTER.matcher(master).matches()) {
            throw new SparkSetupException("unknown Spark master '" + master + "': use local[*] (this machine),"
                    + " spark://host:port (a standalone cluster), yarn, or k8s://https://host:port");
        }
        if (!master.toLowerCase(Locale.ROOT).startsWith("spark://")) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new SparkSetupException("malformed Spark master '" + master + "': the port of '" + hostPort
                        + "' is not a number (expected spark://host:port)");
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new SparkSetupException(
                        "malformed Spark master '" + master + "': expected spark://host:port, got '" + hostPort + "'");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), MASTER_CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                failures.add(hostPort + " ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        throw new SparkSetupException("cannot reach the Spark master " + master + ": " + String.join(", ", failures)
                + "; start the master or check its address, or run on this machine with local[*]");
    }

    /** How many tasks the cluster can run at once now (executors registered so far), for the default profile. */
    public static int slots(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    static String firstLine(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : firstLine(message);
    }

    /** The first line of a text (a Spark error is often many). */
    public static String firstLine(String text) {
        return text == null ? "" : text.strip().split("\\R", 2)[0];
    }
}
