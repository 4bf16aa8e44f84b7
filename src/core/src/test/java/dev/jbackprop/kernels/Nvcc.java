package dev.jbackprop.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds nvcc the way kernels/build.sh does, and runs commands for the kernel tests. */
final class Nvcc {
    private Nvcc() {}

    /** $JBACKPROP_NVCC ("none" = absent), PATH, $CUDA_HOME/bin, /usr/local/cuda/bin. */
    static Optional<Path> find() {
        String forced = System.getenv("JBACKPROP_NVCC");
        if (forced != null && !forced.isEmpty()) {
            return forced.equals("none")
                    ? Optional.empty()
                    : Optional.of(Path.of(forced)).filter(Files::isExecutable);
        }
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) for (String dir : path.split(":")) if (!dir.isEmpty()) candidates.add(Path.of(dir, "nvcc"));
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isEmpty()) candidates.add(Path.of(home, "bin", "nvcc"));
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    static final String ABSENT = "nvcc not found ($JBACKPROP_NVCC, PATH, $CUDA_HOME/bin, /usr/local/cuda/bin): "
            + "install the CUDA toolkit to check the kernels";

    /** The repository root (kernels/ lives there). */
    static Path projectDir() {
        return dev.jbackprop.ProjectRoot.get();
    }

    record Result(int exit, String output) {}

    /** Runs a command (stdin from {@code input} if not null), stdout and stderr merged. */
    static Result run(List<String> command, Path input, java.util.Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (input != null) pb.redirectInput(input.toFile());
        if (env != null) pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
