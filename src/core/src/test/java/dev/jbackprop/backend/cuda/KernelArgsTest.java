package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

    static Map<String, String> launcherSignatures() {
        Map<String, String> all = new LinkedHashMap<>();
        all.putAll(ActivationKernels.SIGNATURES);
        all.putAll(LossKernels.SIGNATURES);
        all.putAll(UpdateKernels.SIGNATURES);
        all.putAll(GatherKernels.SIGNATURES);
        all.putAll(NormKernels.SIGNATURES);
        all.putAll(Bf16Kernels.SIGNATURES);
        return all;
    }

    @Test
    void everyLauncherKernelHasASignature() {
        List<String> names = new ArrayList<>();
        for (String[] ks : new String[][] {
            ActivationKernels.KERNELS,
            LossKernels.KERNELS,
            UpdateKernels.KERNELS,
            GatherKernels.KERNELS,
            NormKernels.KERNELS,
            Bf16Kernels.KERNELS
        }) names.addAll(List.of(ks));
        assertEquals(
                new java.util.TreeSet<>(names),
                new java.util.TreeSet<>(launcherSignatures().keySet()));
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
        for (Map.Entry<String, String> e : launcherSignatures().entrySet()) {
            int at = fatbin.indexOf(".entry " + e.getKey() + "(");
            assertTrue(at >= 0, "no PTX entry for " + e.getKey());
            String params = fatbin.substring(at, fatbin.indexOf(')', at));
            List<String> ptx = new ArrayList<>();
            Matcher m = PARAM.matcher(params);
            while (m.find()) ptx.add(ptxKind(m.group(1)));
            List<String> ours = new ArrayList<>();
            for (KernelArgs.Type t : KernelArgs.parse(e.getValue()))
                ours.add(
                        t == KernelArgs.Type.PTR || t == KernelArgs.Type.I64
                                ? "64"
                                : t.name().toLowerCase());
            assertEquals(ptx, ours, e.getKey() + ": launcher signature '" + e.getValue() + "' vs PTX parameters");
        }
    }
}
