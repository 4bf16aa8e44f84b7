package dev.jbackprop;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository root (where kernels/, native/ and bench/ live), for tests that read them: the {@code jbackprop.root}
 * system property the build sets, else the nearest directory above the working directory that holds
 * kernels/build.sh. Tests run in their module's directory (src/core, src/cli), so module files stay relative.
 */
public final class ProjectRoot {
    private ProjectRoot() {}

    public static Path get() {
        String prop = System.getProperty("jbackprop.root");
        if (prop != null && !prop.isEmpty()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (Files.isRegularFile(p.resolve("kernels/build.sh"))) return p;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("kernels/build.sh"))) return p;
        throw new IllegalStateException(
                "no repository root (kernels/build.sh) above " + Path.of("").toAbsolutePath());
    }

    /** A path below the repository root. */
    public static Path resolve(String path) {
        return get().resolve(path);
    }
}
