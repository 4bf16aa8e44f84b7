package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Source-level rules of the GPU backend: JCuda stays inside this package (so nothing else can hit
 * an UnsatisfiedLinkError), Kernel is the only caller of cuLaunchKernel (through one launcher per
 * kernel family), Gemm the only caller of cuBLAS, and nothing uses the legacy default stream.
 */
class BackendStructureTest {
    static final Path MAIN = Path.of("src/main/java");
    static final Path PACKAGE = MAIN.resolve("dev/jbackprop/backend/cuda");
    static final Path KERNELS = dev.jbackprop.ProjectRoot.resolve("kernels");

    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    @Test
    void jcudaIsUsedOnlyInTheCudaPackage() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path f : javaFiles(MAIN)) {
            if (f.startsWith(PACKAGE)) continue;
            if (Files.readString(f).contains("jcuda.")) offenders.add(f.toString());
        }
        assertTrue(offenders.isEmpty(), "jcuda.* used outside dev.jbackprop.backend.cuda: " + offenders);
    }

    @Test
    void onlyKernelLaunchesKernelsAndOnlyGemmCallsCublas() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path f : javaFiles(PACKAGE)) {
            String name = f.getFileName().toString();
            String text = Files.readString(f);
            if (text.contains("cuLaunchKernel(") && !name.equals("Kernel.java"))
                offenders.add(name + " launches a kernel");
            if (text.contains("JCublas2.cublas") && !name.equals("Gemm.java") && !name.equals("CublasCompat.java"))
                offenders.add(name + " calls cuBLAS");
        }
        assertTrue(offenders.isEmpty(), String.join("; ", offenders));
    }

    /**
     * No synchronous (legacy default stream) copy or memset, no stream created blocking: a legacy-stream
     * call while another CudaOps captures on a blocking stream would break that capture.
     */
    @Test
    void nothingUsesTheLegacyDefaultStream() throws IOException {
        Pattern legacy = Pattern.compile(
                "cuMemcpy(HtoD|DtoH|DtoD)\\(|cuMemsetD(8|16|32)\\(|cuMemcpy\\(|cuStreamCreate\\([^,]+,\\s*0\\)");
        List<String> offenders = new ArrayList<>();
        for (Path f : javaFiles(PACKAGE)) {
            Matcher m = legacy.matcher(Files.readString(f));
            while (m.find()) offenders.add(f.getFileName() + ": " + m.group());
        }
        assertTrue(offenders.isEmpty(), String.join("; ", offenders));
    }

    private static final Pattern GLOBAL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(");

    /** kernels/activations.cu ↔ ActivationKernels, loss.cu ↔ LossKernels, … */
    static String launcherFor(String stem) {
        String singular = stem.endsWith("s") && !stem.endsWith("ss") ? stem.substring(0, stem.length() - 1) : stem;
        return Character.toUpperCase(singular.charAt(0)) + singular.substring(1) + "Kernels";
    }

    @Test
    void everyKernelFamilyHasALauncherListingExactlyItsKernels() throws Exception {
        List<Path> families;
        try (Stream<Path> s = Files.list(KERNELS)) {
            families = s.filter(p -> p.toString().endsWith(".cu")
                            && !p.getFileName().toString().equals("jbackprop.cu"))
                    .sorted()
                    .toList();
        }
        assertTrue(families.size() >= 4, "kernel families: " + families);
        Set<String> launchers = new TreeSet<>();
        for (Path cu : families) {
            String stem = cu.getFileName().toString().replace(".cu", "");
            String launcher = launcherFor(stem);
            launchers.add(launcher + ".java");
            Class<?> c = Class.forName("dev.jbackprop.backend.cuda." + launcher);
            Set<String> declared = new TreeSet<>();
            Matcher m = GLOBAL.matcher(Files.readString(cu));
            while (m.find()) declared.add(m.group(1));
            var field = c.getDeclaredField("KERNELS");
            field.setAccessible(true);
            Set<String> listed = new TreeSet<>();
            for (Object k : (List<?>) field.get(null)) listed.add(((Kernel.Signature) k).name());
            assertEquals(declared, listed, launcher + ".KERNELS vs " + cu);
            String source = Files.readString(PACKAGE.resolve(launcher + ".java"));
            for (String k : declared) assertTrue(source.contains("\"" + k + "\""), launcher + " does not name " + k);
        }
        Set<String> present = new TreeSet<>();
        for (Path f : javaFiles(PACKAGE))
            if (f.getFileName().toString().endsWith("Kernels.java"))
                present.add(f.getFileName().toString());
        assertEquals(launchers, present, "launchers without a kernels/*.cu family");
    }
}
