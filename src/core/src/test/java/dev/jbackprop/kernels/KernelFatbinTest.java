package dev.jbackprop.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * The fatbin that kernels/build.sh put in target/classes (Maven's generate-resources phase): present
 * whenever nvcc is, one SASS image per target architecture plus compute_90 PTX, and every kernel in
 * every image, so a kernel that fails to compile or is left out is caught without a GPU.
 */
class KernelFatbinTest {
    /** Every kernel the Java launchers look up (kernels/*.cu must declare exactly these). */
    static final Set<String> KERNELS = Set.of(
            "bias_activation",
            "bias_softmax",
            "activation_backward",
            "output_delta",
            "sgd_update",
            "optimizer_update",
            "set_scalars",
            "gather_columns",
            "gather_bytes",
            "gather_one_hot",
            "sum_squares",
            "to_bf16");

    static final Set<Integer> SASS = Set.of(75, 80, 86, 89, 90);
    static final int PTX = 90;

    static final Pattern GLOBAL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(");

    /** Kernel names declared in the .cu files of {@code kernelsDir}. */
    static Set<String> declaredKernels(Path kernelsDir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(kernelsDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu")).toList()) {
                Matcher m = GLOBAL.matcher(Files.readString(f));
                while (m.find()) names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void sourcesDeclareExactlyTheKernelsTheLaunchersUse() throws IOException {
        assertEquals(new TreeSet<>(KERNELS), declaredKernels(Nvcc.projectDir().resolve("kernels")));
    }

    @Test
    void unityFileIncludesEveryFamily() throws IOException {
        Path kernels = Nvcc.projectDir().resolve("kernels");
        String unity = Files.readString(kernels.resolve("jbackprop.cu"));
        try (Stream<Path> files = Files.list(kernels)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu")
                            && !p.getFileName().toString().equals("jbackprop.cu"))
                    .toList()) {
                assertTrue(
                        unity.contains("#include \"" + f.getFileName() + "\""),
                        "jbackprop.cu does not include " + f.getFileName());
            }
        }
    }

    record Image(int kind, int arch, byte[] payload) {
        boolean isElf() {
            return kind == 2;
        }

        boolean isPtx() {
            return kind == 1;
        }
    }

    /**
     * Reads the fatbin container (not a documented format; the layout nvcc has written for years):
     * header {u32 magic 0xBA55ED50, u16 version, u16 header size, u64 payload size}, then entries
     * {u16 kind (1 PTX, 2 ELF), u16, u32 entry header size, u64 payload size, …, u32 arch at +28}.
     */
    static List<Image> images(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        if (fatbin.length < 16 || b.getInt(0) != 0xBA55ED50)
            fail("not a fatbin container (magic " + Integer.toHexString(b.getInt(0)) + ")");
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long size = b.getLong(8);
        List<Image> out = new ArrayList<>();
        long off = headerSize;
        while (off < headerSize + size) {
            int o = Math.toIntExact(off);
            int kind = Short.toUnsignedInt(b.getShort(o));
            int entryHeader = b.getInt(o + 4);
            long payload = b.getLong(o + 8);
            int arch = b.getInt(o + 28);
            int start = o + entryHeader;
            if (entryHeader < 32 || payload < 0 || start + payload > fatbin.length)
                fail("malformed fatbin entry at " + o);
            byte[] p = new byte[Math.toIntExact(payload)];
            System.arraycopy(fatbin, start, p, 0, p.length);
            out.add(new Image(kind, arch, p));
            off = start + payload;
        }
        return out;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void fatbinHoldsEveryKernelForEveryArchitecture() throws IOException {
        assumeTrue(Nvcc.find().isPresent(), Nvcc.ABSENT);
        Path dir = Path.of("target/classes/dev/jbackprop/kernels").toAbsolutePath();
        Path fatbin = dir.resolve("jbackprop.fatbin");
        assertTrue(
                Files.isRegularFile(fatbin),
                "nvcc is installed but " + fatbin + " was not built (kernels/build.sh runs in generate-resources)");
        assertTrue(
                Files.isRegularFile(dir.resolve("jbackprop-kernels.properties")),
                "build information missing next to the fatbin");

        List<Image> images = images(Files.readAllBytes(fatbin));
        Set<Integer> sass = new TreeSet<>();
        Set<Integer> ptx = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (Image im : images) {
            if (im.isElf()) sass.add(im.arch());
            else if (im.isPtx()) ptx.add(im.arch());
            for (String k : KERNELS) {
                byte[] needle = im.isPtx()
                        ? (".entry " + k + "(").getBytes(StandardCharsets.US_ASCII)
                        : ("\0" + k + "\0").getBytes(StandardCharsets.US_ASCII);
                if (!contains(im.payload(), needle))
                    missing.add(k + " in " + (im.isPtx() ? "PTX compute_" : "SASS sm_") + im.arch());
            }
        }
        assertEquals(new TreeSet<>(SASS), sass, "SASS architectures in the fatbin");
        assertEquals(Set.of(PTX), ptx, "PTX in the fatbin");
        assertTrue(missing.isEmpty(), "kernels missing from the fatbin: " + missing);
    }

    private static final Pattern LABEL = Pattern.compile("^\\s*(\\$L__\\w+):");
    private static final Pattern BRANCH = Pattern.compile("\\bbra(?:\\.uni)?\\s+(\\$L__\\w+);");
    private static final Pattern DIV64 = Pattern.compile("\\b(div|rem)\\.[su]64\\b");

    /**
     * The 64-bit divisions and modulos inside loops of each kernel's PTX: a loop is the lines from a
     * label to a branch back to it. Outside loops (per thread, e.g. the compiler's trip counts) they
     * cost nothing per element; inside a grid-stride loop one per element costs more than the element.
     */
    static List<String> divisionsInLoops(String ptx) {
        List<String> found = new ArrayList<>();
        String[] lines = ptx.split("\n");
        String kernel = "?";
        java.util.Map<String, Integer> labels = new java.util.HashMap<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher e = Pattern.compile("\\.entry\\s+(\\w+)\\(").matcher(lines[i]);
            if (e.find()) {
                kernel = e.group(1);
                labels.clear();
            }
            Matcher l = LABEL.matcher(lines[i]);
            if (l.find()) labels.put(l.group(1), i);
            Matcher b = BRANCH.matcher(lines[i]);
            if (b.find() && labels.containsKey(b.group(1))) { // a backward branch: lines [label, i] are a loop
                for (int j = labels.get(b.group(1)); j <= i; j++)
                    if (DIV64.matcher(lines[j]).find()) found.add(kernel + ": " + lines[j].trim());
            }
        }
        return found;
    }

    @Test
    void noKernelDividesIn64BitsPerElement() throws IOException {
        assumeTrue(Nvcc.find().isPresent(), Nvcc.ABSENT);
        Path fatbin =
                Path.of("target/classes/dev/jbackprop/kernels/jbackprop.fatbin").toAbsolutePath();
        String ptx = null;
        for (Image im : images(Files.readAllBytes(fatbin)))
            if (im.isPtx()) ptx = new String(im.payload(), StandardCharsets.ISO_8859_1);
        assertTrue(ptx != null && ptx.contains(".entry gather_columns("), "no PTX in the fatbin");
        assertEquals(List.of(), divisionsInLoops(ptx));
        // the check sees a division in a loop where there is one
        assertEquals(
                List.of("k: rem.s64 %rd5, %rd4, %rd3;"),
                divisionsInLoops(".visible .entry k(\n$L__BB0_2:\nrem.s64 %rd5, %rd4, %rd3;\n@%p1 bra $L__BB0_2;\n"
                        + "div.u64 %rd9, %rd8, %rd7;\n"));
    }

    /** The PTX of one kernel: from its .entry to the next one. */
    static String kernelPtx(String ptx, String kernel) {
        int at = ptx.indexOf(".entry " + kernel + "(");
        assertTrue(at >= 0, kernel + " not in the PTX");
        int next = ptx.indexOf(".entry ", at + 1);
        return ptx.substring(at, next < 0 ? ptx.length() : next);
    }

    /**
     * The optimiser step's square root and quotients are IEEE, round to nearest (sqrt.rn.f32, div.rn.f32), not
     * the approximations fast math would give, and no product is fused into an FMA: so the GPU gives the CPU's
     * bits (KernelMathTest checks the same maths compiled for the host).
     */
    @Test
    void theOptimizerStepRoundsAsTheCpuDoes() throws IOException {
        assumeTrue(Nvcc.find().isPresent(), Nvcc.ABSENT);
        Path fatbin =
                Path.of("target/classes/dev/jbackprop/kernels/jbackprop.fatbin").toAbsolutePath();
        String ptx = null;
        for (Image im : images(Files.readAllBytes(fatbin)))
            if (im.isPtx()) ptx = new String(im.payload(), StandardCharsets.ISO_8859_1);
        assertTrue(ptx != null, "no PTX in the fatbin");
        String k = kernelPtx(ptx, "optimizer_update");
        assertTrue(k.contains("sqrt.rn.f32"), "optimizer_update has no IEEE square root:\n" + k);
        assertTrue(k.contains("div.rn.f32"), "optimizer_update has no IEEE division:\n" + k);
        for (String bad : List.of("sqrt.approx", "div.approx", "div.full", "rsqrt", "fma.rn.f32"))
            assertTrue(!k.contains(bad), "optimizer_update uses " + bad);
    }

    @Test
    void containerReaderRejectsGarbage() {
        AssertionErrorCatcher.expectFailure(() -> images(new byte[64]));
    }

    /** Checks that a check fails (the reader must not accept anything). */
    static final class AssertionErrorCatcher {
        static void expectFailure(Runnable r) {
            try {
                r.run();
            } catch (AssertionError expected) {
                return;
            }
            fail("expected the check to fail");
        }
    }
}
