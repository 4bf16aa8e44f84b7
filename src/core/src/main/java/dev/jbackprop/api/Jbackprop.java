package dev.jbackprop.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What this build of jbackprop is: its version and the git commit it was built from. */
public final class Jbackprop {
    private static final Properties BUILD = load();

    private Jbackprop() {}

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Jbackprop.class.getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // an unreadable resource leaves the figures "unknown"
        }
        return p;
    }

    /**
     * The library's version.
     *
     * @return e.g. "0.1.0", or "unknown" for classes not built by Maven
     */
    public static String version() {
        return BUILD.getProperty("version", "unknown");
    }

    /**
     * The git commit the library was built from.
     *
     * @return the full commit hash, with "+dirty" when tracked files differed from it, or "unknown" when the build
     *     did not run in a git checkout
     */
    public static String commit() {
        return BUILD.getProperty("commit", "unknown");
    }
}
