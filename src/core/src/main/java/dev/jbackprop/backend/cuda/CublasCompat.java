package dev.jbackprop.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Makes JCuda 12.6's JCublas2 loadable where only cuBLAS 13 is installed.
 *
 * <p>JCublas2's native library needs {@code libcublas.so.12}. When no such library is found, this
 * loads {@code libcublas.so.13} by full path and then jbackprop's bridge (a library named
 * {@code libcublas.so.12}, built from {@code native/}, that forwards every cuBLAS name JCublas2 uses
 * to {@code libcublas.so.13}); the dynamic linker then satisfies JCublas2's dependency by soname.
 * Call {@link #ensureCublas12()} before anything touches {@code jcuda.jcublas.JCublas2}.
 *
 * <p>Where it looks, in order: env {@value #ENV_CUBLAS13}; the dynamic linker's path (ldconfig cache,
 * LD_LIBRARY_PATH); CUDA installs ($CUDA_HOME, /usr/local/cuda*, …); the Python environment of the
 * interpreter on PATH ({@code python3}, else {@code python}): its {@code nvidia/cublas/lib} and
 * {@code nvidia/cu13/lib}, where PyTorch's CUDA wheels put cuBLAS. The outcome line says where it
 * found cuBLAS; the failure says every place it looked. The bridge is written to the jbackprop cache
 * ({@link NativeCache}), not to /tmp.
 *
 * <p>Knobs: env {@value #ENV_CUBLAS13} (path of libcublas.so.13, or its folder); system properties
 * {@value #PROP_MODE} ({@code auto}, {@code force}: bridge even if libcublas.so.12 exists,
 * {@code off}: do nothing) and {@value #PROP_BRIDGE_PATH} (a bridge file to use instead of the
 * copy bundled in the jar). The bridge prints what it resolved when env
 * {@code JBACKPROP_CUBLAS_BRIDGE_VERBOSE} is set.
 */
public final class CublasCompat {
    public static final String CUBLAS12 = "libcublas.so.12";
    public static final String CUBLAS13 = "libcublas.so.13";
    public static final String ENV_CUBLAS13 = "JBACKPROP_CUBLAS13";
    public static final String PROP_MODE = "jbackprop.cublas.bridge";
    public static final String PROP_BRIDGE_PATH = "jbackprop.cublas.bridgePath";
    static final String BRIDGE_RESOURCE = "/dev/jbackprop/native/linux-x86_64/libcublas.so.12";

    /** Thrown when no usable cuBLAS can be set up; the message says what to install. */
    public static final class CublasUnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CublasUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Loads a native library by absolute path ({@link System#load} in production). */
    @FunctionalInterface
    interface Loader {
        void load(String absolutePath);
    }

    /**
     * What {@link #ensure} decides from: environment, settings and where to look.
     *
     * @param linkerPath sonames the dynamic linker finds by itself (ldconfig cache, LD_LIBRARY_PATH)
     * @param extraDirs further folders to look in (CUDA installs); a hit there must be preloaded
     * @param python the Python environment's cuBLAS folders, asked for only when nothing else has cuBLAS
     * @param cacheDir where the bridge is written
     */
    record Inputs(
            Map<String, String> env,
            String mode,
            String bridgePath,
            Map<String, Path> linkerPath,
            List<Path> extraDirs,
            Supplier<PythonLibs> python,
            Path cacheDir,
            boolean linuxX64) {}

    /**
     * The cuBLAS folders of a Python environment: {@code nvidia/cublas/lib} and {@code nvidia/cu13/lib}
     * under each folder of its {@code nvidia} namespace package (and of its site-packages).
     *
     * @param interpreter the python found on PATH, or null
     * @param dirs the candidate folders (they need not exist)
     * @param note what was asked, for messages ("no python3 or python on PATH", …)
     */
    record PythonLibs(Path interpreter, List<Path> dirs, String note) {
        static PythonLibs none(String note) {
            return new PythonLibs(null, List.of(), note);
        }

        String describe() {
            return interpreter == null ? note : "the Python environment of " + interpreter + " " + dirs;
        }
    }

    private static String outcome;

    private CublasCompat() {}

    /**
     * Ensures JCublas2's {@code libcublas.so.12} dependency can be met; idempotent.
     *
     * @return one line saying what was found and loaded
     * @throws CublasUnavailableException when neither cuBLAS 12 nor cuBLAS 13 is usable
     */
    public static synchronized String ensureCublas12() {
        if (outcome == null) {
            outcome = ensure(systemInputs(), System::load);
        }
        return outcome;
    }

    /**
     * Where cuBLAS would be taken from, without loading anything: one line naming the file, or every
     * place looked. For {@code jbackprop info} when the probe stops before it loads cuBLAS.
     */
    public static synchronized String locate() {
        if (outcome != null) return outcome;
        return locate(systemInputs());
    }

    static String locate(Inputs in) {
        if (!in.linuxX64()) return "not searched off x86-64 Linux";
        Path c12 = in.linkerPath().get(CUBLAS12);
        if (c12 == null) c12 = find(CUBLAS12, in.extraDirs());
        if (c12 == null && cublas13WithoutPython(in) == null)
            c12 = find(CUBLAS12, in.python().get().dirs());
        if (c12 != null) return CUBLAS12 + " at " + c12;
        try {
            return CUBLAS13 + " at " + locateCublas13(in) + " (used through the bridge)";
        } catch (CublasUnavailableException e) {
            return e.getMessage();
        }
    }

    static String ensure(Inputs in, Loader loader) {
        if (!in.linuxX64()) {
            return "cuBLAS bridge: not used off x86-64 Linux; JCublas2 loads its cuBLAS itself";
        }
        String mode = in.mode() == null ? "auto" : in.mode().trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "off":
                return "cuBLAS bridge: off (" + PROP_MODE + "=off); JCublas2 looks for " + CUBLAS12 + " itself";
            case "auto":
            case "force":
                break;
            default:
                throw new IllegalArgumentException(PROP_MODE + " must be auto, force or off, not '" + in.mode() + "'");
        }
        if (mode.equals("auto")) {
            Path onLinkerPath = in.linkerPath().get(CUBLAS12);
            if (onLinkerPath != null) {
                return CUBLAS12 + " found at " + onLinkerPath + "; no bridge needed";
            }
            Path cublas12 = find(CUBLAS12, in.extraDirs());
            // the Python environment is asked last, only when no CUDA install has cuBLAS 12 or 13
            if (cublas12 == null && cublas13WithoutPython(in) == null)
                cublas12 = find(CUBLAS12, in.python().get().dirs());
            if (cublas12 != null) {
                // not on the linker's path: preload it so JCublas2's dependency is met by soname
                loadWithLt(cublas12, "libcublasLt.so.12", loader);
                return CUBLAS12 + " preloaded from " + cublas12 + "; no bridge needed";
            }
        }
        Path cublas13 = locateCublas13(in);
        Path bridge = in.bridgePath() != null && !in.bridgePath().isBlank()
                ? Path.of(in.bridgePath()).toAbsolutePath()
                : null;
        if (bridge != null && !Files.isRegularFile(bridge)) {
            throw new CublasUnavailableException(PROP_BRIDGE_PATH + " names " + bridge + ", which is not a file", null);
        }
        // libcublas.so.13 first, so the bridge's dlopen("libcublas.so.13") finds it loaded already
        loadWithLt(cublas13, "libcublasLt.so.13", loader);
        if (bridge == null) {
            bridge = extractBridge(in.cacheDir());
        }
        load(bridge, loader, "the cuBLAS bridge");
        return (mode.equals("force") ? "bridge forced: " : CUBLAS12 + " not found: ") + "JCublas2 runs on " + cublas13
                + " through the bridge " + bridge;
    }

    /** libcublas.so.13 from the environment variable, the linker's path or a CUDA install; null if none. */
    private static Path cublas13WithoutPython(Inputs in) {
        String explicit = in.env().get(ENV_CUBLAS13);
        if (explicit != null && !explicit.isBlank()) return locateCublas13(in);
        Path p = in.linkerPath().get(CUBLAS13);
        return p != null ? p : find(CUBLAS13, in.extraDirs());
    }

    private static Path locateCublas13(Inputs in) {
        String explicit = in.env().get(ENV_CUBLAS13);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit).toAbsolutePath();
            if (Files.isDirectory(p)) {
                p = p.resolve(CUBLAS13);
            }
            if (!Files.isRegularFile(p)) {
                throw new CublasUnavailableException(
                        ENV_CUBLAS13 + "=" + explicit + " but " + p + " is not a file", null);
            }
            return p;
        }
        Path p = in.linkerPath().get(CUBLAS13);
        if (p == null) {
            p = find(CUBLAS13, in.extraDirs());
        }
        if (p == null) {
            p = find(CUBLAS13, in.python().get().dirs());
        }
        if (p == null) {
            throw new CublasUnavailableException(
                    "No cuBLAS found: JCuda 12.6 needs " + CUBLAS12 + " (cuBLAS from CUDA 12), or "
                            + CUBLAS13
                            + " (CUDA 13), which jbackprop bridges. Install one (the CUDA toolkit, the distribution's"
                            + " libcublas-12-x / libcublas-13-x package, or pip's nvidia-cublas), put its lib folder on"
                            + " LD_LIBRARY_PATH, or set " + ENV_CUBLAS13 + "=/path/to/" + CUBLAS13
                            + ". Looked on LD_LIBRARY_PATH, in the ldconfig cache, in " + in.extraDirs() + " and in "
                            + in.python().get().describe(),
                    null);
        }
        return p;
    }

    /** Loads lib, after its libcublasLt sibling when that is there (lib needs it, and its folder may not be on the linker's path). */
    private static void loadWithLt(Path lib, String ltName, Loader loader) {
        Path lt = lib.resolveSibling(ltName);
        if (Files.isRegularFile(lt)) {
            load(lt, loader, ltName);
        }
        load(lib, loader, lib.getFileName().toString());
    }

    private static void load(Path lib, Loader loader, String what) {
        try {
            loader.load(lib.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError | SecurityException e) {
            throw new CublasUnavailableException(
                    "Could not load " + what + " from " + lib + ": " + e.getMessage()
                            + " (a cuBLAS install needs its libcublasLt beside it, and x86-64 Linux with glibc)",
                    e);
        }
    }

    private static Path extractBridge(Path cacheDir) {
        try (InputStream res = CublasCompat.class.getResourceAsStream(BRIDGE_RESOURCE)) {
            if (res == null) {
                throw new CublasUnavailableException(
                        CUBLAS12 + " not found, and this build has no cuBLAS bridge (native/build.sh"
                                + " builds it when gcc is present at build time). Install cuBLAS 12, rebuild with gcc, or set -D"
                                + PROP_BRIDGE_PATH + "=/path/to/bridge/" + CUBLAS12,
                        null);
            }
            return NativeCache.extract(res, cacheDir.resolve("cublas-bridge"), CUBLAS12);
        } catch (IOException e) {
            throw new CublasUnavailableException(
                    "Could not write the cuBLAS bridge to " + cacheDir + " (set JBACKPROP_CACHE to a writable folder): "
                            + e,
                    e);
        }
    }

    static Path find(String soname, List<Path> dirs) {
        for (Path d : dirs) {
            Path p = d.resolve(soname);
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    static Inputs systemInputs() {
        Map<String, String> env = System.getenv();
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean linuxX64 = os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        Map<String, Path> linker = new HashMap<>();
        List<Path> extra = new ArrayList<>();
        if (linuxX64) {
            ldconfigCache(linker);
            for (Path d : pathList(env.get("LD_LIBRARY_PATH"))) {
                for (String s : List.of(CUBLAS12, CUBLAS13)) {
                    Path p = d.resolve(s);
                    if (!linker.containsKey(s) && Files.isRegularFile(p)) {
                        linker.put(s, p.toAbsolutePath());
                    }
                }
            }
            extra.addAll(cudaDirs(env));
        }
        return new Inputs(
                env,
                System.getProperty(PROP_MODE),
                System.getProperty(PROP_BRIDGE_PATH),
                linker,
                extra,
                memoize(() -> pythonLibs(env)),
                NativeCache.dir(),
                linuxX64);
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = s.get();
                return value;
            }
        };
    }

    /** Prints the interpreter, then one folder a line: the {@code nvidia} package's folders and each site-packages/nvidia. */
    static final String PYTHON_SCRIPT = String.join(
            "\n",
            "import sys, site",
            "print(sys.executable)",
            "dirs = []",
            "try:",
            "    import nvidia",
            "    dirs += list(nvidia.__path__)",
            "except Exception:",
            "    pass",
            "try:",
            "    dirs += [p + '/nvidia' for p in site.getsitepackages() + [site.getusersitepackages()]]",
            "except Exception:",
            "    pass",
            "print('\\n'.join(dict.fromkeys(dirs)))");

    /** The cuBLAS folders of the Python on PATH (a python3, else a python); never throws. */
    static PythonLibs pythonLibs(Map<String, String> env) {
        Path python = null;
        for (String name : List.of("python3", "python")) {
            for (Path d : pathList(env.get("PATH"))) {
                Path p = d.resolve(name);
                if (python == null && Files.isExecutable(p)) python = p;
            }
        }
        if (python == null) return PythonLibs.none("no python3 or python on PATH");
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", PYTHON_SCRIPT)
                    .redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] out;
            try (InputStream s = p.getInputStream()) {
                out = s.readAllBytes();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return PythonLibs.none(python + " did not say where its packages are");
            }
            return parsePython(python, new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return PythonLibs.none(python + " could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PythonLibs.none(python + " was interrupted");
        }
    }

    /** From {@link #PYTHON_SCRIPT}'s output: each nvidia folder's {@code cublas/lib}, then its {@code cu13/lib}. */
    static PythonLibs parsePython(Path python, String output) {
        List<String> lines =
                output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        Path interpreter = lines.isEmpty() ? python : Path.of(lines.get(0));
        Set<Path> dirs = new LinkedHashSet<>();
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            dirs.add(Path.of(l, "cublas", "lib"));
            dirs.add(Path.of(l, "cu13", "lib"));
        }
        return new PythonLibs(interpreter, new ArrayList<>(dirs), "");
    }

    /** CUDA install folders, newest versioned install first. */
    static List<Path> cudaDirs(Map<String, String> env) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                addCudaRoot(dirs, Path.of(v));
            }
        }
        addCudaRoot(dirs, Path.of("/usr/local/cuda"));
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda-"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString(), CublasCompat::compareVersions)
                            .reversed())
                    .forEach(p -> addCudaRoot(dirs, p));
        } catch (IOException | RuntimeException ignored) {
            // no /usr/local or unreadable: nothing to add
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/opt/cuda/lib64"));
        return new ArrayList<>(dirs);
    }

    private static void addCudaRoot(Set<Path> dirs, Path root) {
        dirs.add(root.resolve("lib64"));
        dirs.add(root.resolve("lib"));
        dirs.add(root.resolve("targets/x86_64-linux/lib"));
    }

    /** Compares names like cuda-12.6 and cuda-13.0 by their numbers. */
    static int compareVersions(String a, String b) {
        String[] x = a.replaceAll("[^0-9.]", "").split("\\.");
        String[] y = b.replaceAll("[^0-9.]", "").split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Long.compare(num(x, i), num(y, i));
            if (c != 0) {
                return c;
            }
        }
        return a.compareTo(b);
    }

    private static long num(String[] parts, int i) {
        if (i >= parts.length || parts[i].isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(parts[i]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static List<Path> pathList(String value) {
        List<Path> out = new ArrayList<>();
        if (value != null) {
            for (String s : value.split(":")) {
                if (!s.isBlank()) {
                    out.add(Path.of(s));
                }
            }
        }
        return out;
    }

    /** Adds the x86-64 cuBLAS entries of `ldconfig -p`; silently nothing when ldconfig is unavailable. */
    private static void ldconfigCache(Map<String, Path> into) {
        for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig")) {
            if (exe.startsWith("/") && !Files.isExecutable(Path.of(exe))) {
                continue;
            }
            try {
                Process p =
                        new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                byte[] out;
                try (InputStream s = p.getInputStream()) {
                    out = s.readAllBytes();
                }
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroy();
                    continue;
                }
                parseLdconfig(new String(out, StandardCharsets.UTF_8), into);
                return;
            } catch (IOException e) {
                // try the next location
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Parses lines like "\tlibcublas.so.12 (libc6,x86-64) => /usr/lib/libcublas.so.12". */
    static void parseLdconfig(String text, Map<String, Path> into) {
        for (String line : text.split("\n")) {
            String t = line.trim();
            int arrow = t.indexOf("=>");
            int paren = t.indexOf(" (");
            if (arrow < 0
                    || paren < 0
                    || paren > arrow
                    || !t.substring(paren, arrow).contains("x86-64")) {
                continue;
            }
            String name = t.substring(0, paren).trim();
            if (name.equals(CUBLAS12) || name.equals(CUBLAS13)) {
                into.putIfAbsent(name, Path.of(t.substring(arrow + 2).trim()));
            }
        }
    }
}
