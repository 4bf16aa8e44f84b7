package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Kernel parameters: packed one per 8-byte slot with the declared types, and the launchers'
 * declared signatures match the compiled kernels (the PTX in the fatbin), so a parameter added,
 * dropped or retyped on one side only is caught without a GPU.
 */
class KernelArgsTest {
    @Test
    void valuesLandInTheirSlots() {
        KernelArgs k = new KernelArgs("i32 f32 ptr i64 i32");
        assertEquals(5, k.count());
        assertNotNull(k.params());
        k.i32(0, 7).f32(1, 1.5f).pointer(2, 0x7f00_1234_5678L).i64(3, 1L << 40).i32(4, -2);
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        assertEquals(little ? 7L : 7L << 32, k.raw(0));
        long f = Float.floatToRawIntBits(1.5f) & 0xffffffffL;
        assertEquals(little ? f : f << 32, k.raw(1));
        assertEquals(0x7f00_1234_5678L, k.raw(2));
        assertEquals(1L << 40, k.raw(3));
        assertEquals(little ? 0xffff_fffeL : 0xffff_fffeL << 32, k.raw(4));
    }

    @Test
    void settersCheckTheDeclaredType() {
        KernelArgs k = new KernelArgs("i32 ptr");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> k.f32(0, 1f));
        assertTrue(e.getMessage().contains("parameter 0 is I32"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> k.i64(1, 1L));
        assertThrows(IllegalArgumentException.class, () -> new KernelArgs("i32 double"));
    }

    @Test
    void describeNamesEachSlotWithItsValue() {
        KernelArgs k = new KernelArgs("i32 f32 ptr i64");
        k.i32(0, -3).f32(1, 0.25f).pointer(2, 0x7f00_1234L).i64(3, 1L << 40);
        assertEquals("act=-3 alpha=0.25 z=0x7f001234 n=1099511627776", k.describe(List.of("act", "alpha", "z", "n")));
    }

    @Test
    void signaturesParseTypeAndNamePairs() {
        Kernel.Signature s = Kernel.Signature.of("k", "i32 act, f32 alpha,ptr  z , i64 n");
        assertEquals(List.of("act", "alpha", "z", "n"), s.parameters());
        assertEquals("i32 f32 ptr i64", s.typeList());
        assertThrows(IllegalArgumentException.class, () -> Kernel.Signature.of("k", "i32 act, ptr"));
        assertThrows(IllegalArgumentException.class, () -> Kernel.Signature.of("k", "double x"));
    }

    /** Every launcher's kernels, by name. */
    static Map<String, Kernel.Signature> launcherSignatures() {
        Map<String, Kernel.Signature> all = new LinkedHashMap<>();
        for (List<Kernel.Signature> ks : List.of(
                ActivationKernels.KERNELS,
                LossKernels.KERNELS,
                UpdateKernels.KERNELS,
                GatherKernels.KERNELS,
                NormKernels.KERNELS,
                Bf16Kernels.KERNELS)) {
            for (Kernel.Signature k : ks) assertNull(all.put(k.name(), k), "two launchers declare " + k.name());
        }
        return all;
    }

    private static final Pattern KERNEL =
            Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");

    /** A CUDA parameter's type as a slot type: int, float, long long, or a pointer. */
    private static String cudaKind(String decl) {
        String d = decl.replaceAll("\\bconst\\b", "").trim();
        if (d.contains("*")) return "ptr";
        if (d.startsWith("long long")) return "i64";
        if (d.startsWith("int")) return "i32";
        if (d.startsWith("float")) return "f32";
        return "?" + d;
    }

    /** Names and types as in kernels/*.cu, so an error message's "rows=…" is the kernel's rows. */
    @Test
    void signaturesMatchTheKernelSourcesByNameAndType() throws Exception {
        Map<String, Kernel.Signature> ours = launcherSignatures();
        Map<String, String> seen = new LinkedHashMap<>();
        try (var files = java.nio.file.Files.list(dev.jbackprop.ProjectRoot.resolve("kernels"))) {
            for (var f : (Iterable<java.nio.file.Path>) files::iterator) {
                if (!f.toString().endsWith(".cu")) continue;
                Matcher m = KERNEL.matcher(java.nio.file.Files.readString(f));
                while (m.find()) {
                    List<String> types = new ArrayList<>(), names = new ArrayList<>();
                    for (String p : m.group(2).split(",")) {
                        String decl = p.trim().replaceAll("\\s+", " ");
                        String name = decl.replaceAll(".*[\\s*]", "");
                        types.add(cudaKind(decl.substring(0, decl.length() - name.length())));
                        names.add(name);
                    }
                    Kernel.Signature s = ours.get(m.group(1));
                    assertNotNull(s, f + ": " + m.group(1) + " has no launcher signature");
                    assertEquals(names, s.parameters(), m.group(1) + ": parameter names");
                    assertEquals(String.join(" ", types), s.typeList(), m.group(1) + ": parameter types");
                    seen.put(m.group(1), f.toString());
                }
            }
        }
        assertEquals(ours.keySet(), seen.keySet(), "signatures without a kernel in kernels/*.cu");
    }

    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    /** PTX parameter types → our slot types: 32-bit ints, f32, 64-bit (a pointer or a long long). */
    private static String ptxKind(String t) {
        return switch (t) {
            case "u32", "s32", "b32" -> "i32";
            case "f32" -> "f32";
            case "u64", "s64", "b64" -> "64";
            default -> "?" + t;
        };
    }

    @Test
    void signaturesMatchTheCompiledKernels() throws Exception {
        assumeTrue(KernelImage.present(), "kernels not built (no nvcc): nothing to compare the signatures with");
        String fatbin = new String(KernelImage.load(), StandardCharsets.ISO_8859_1);
        for (Map.Entry<String, Kernel.Signature> e : launcherSignatures().entrySet()) {
            int at = fatbin.indexOf(".entry " + e.getKey() + "(");
            assertTrue(at >= 0, "no PTX entry for " + e.getKey());
            String params = fatbin.substring(at, fatbin.indexOf(')', at));
            List<String> ptx = new ArrayList<>();
            Matcher m = PARAM.matcher(params);
            while (m.find()) ptx.add(ptxKind(m.group(1)));
            List<String> ours = new ArrayList<>();
            for (KernelArgs.Type t : e.getValue().types())
                ours.add(
                        t == KernelArgs.Type.PTR || t == KernelArgs.Type.I64
                                ? "64"
                                : t.name().toLowerCase());
            assertEquals(ptx, ours, e.getKey() + ": launcher signature " + e.getValue() + " vs PTX parameters");
        }
    }
}
