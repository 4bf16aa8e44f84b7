package dev.jbackprop.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Masters that cannot work are refused in one line, before (or instead of) Spark's own retries. */
@Timeout(60)
class SparkContextsTest {

    @Test
    void refusesAnUnreachableStandaloneMasterQuickly() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        String master = "spark://127.0.0.1:" + port;
        long t0 = System.nanoTime();
        SparkSetupException e = assertThrows(SparkSetupException.class, () -> SparkContexts.start(master, "t"));
        assertEquals(
                "cannot reach the Spark master " + master + ": 127.0.0.1:" + port
                        + " (Connection refused); start the master or check its address, or run on this machine"
                        + " with local[*]",
                e.getMessage());
        assertTrue((System.nanoTime() - t0) < 5_000_000_000L);
    }

    @Test
    void refusesAMalformedStandaloneMaster() {
        SparkSetupException e =
                assertThrows(SparkSetupException.class, () -> SparkContexts.checkMaster("spark://host:port"));
        assertEquals(
                "malformed Spark master 'spark://host:port': the port of 'host:port' is not a number"
                        + " (expected spark://host:port)",
                e.getMessage());
    }

    @Test
    void refusesAnUnknownMasterWithoutStartingSpark() {
        SparkSetupException e = assertThrows(SparkSetupException.class, () -> SparkContexts.start("nonsense", "t"));
        assertEquals(
                "unknown Spark master 'nonsense': use local[*] (this machine), spark://host:port (a standalone cluster),"
                        + " yarn, or k8s://https://host:port",
                e.getMessage());
        for (String ok :
                new String[] {"local", "local[2]", "local[*]", "local[4,3]", "local-cluster[2,1,1024]", "yarn"}) {
            SparkContexts.checkMaster(ok);
        }
        for (String bad : new String[] {"local[]", "local[x]", "local-cluster[2,1]", "localhost", "k8s:/x"}) {
            assertThrows(SparkSetupException.class, () -> SparkContexts.checkMaster(bad), bad);
        }
    }

    @Test
    void reportsSparksOwnRefusalInOneLine() {
        // a well-formed master Spark still refuses: its reason, first line only
        SparkSetupException e = assertThrows(SparkSetupException.class, () -> SparkContexts.start("local[0]", "t"));
        assertTrue(e.getMessage().startsWith("cannot start Spark with master 'local[0]': "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (check the master URL)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void refusesABlankMaster() {
        SparkSetupException e = assertThrows(SparkSetupException.class, () -> SparkContexts.start(" ", "t"));
        assertEquals("no Spark master given: use local[*] to run on this machine, or a cluster's URL", e.getMessage());
    }
}
