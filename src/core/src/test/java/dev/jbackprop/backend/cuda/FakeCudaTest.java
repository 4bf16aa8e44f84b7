package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.SampleStore;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU backend without a GPU: the real JCuda natives and our backend against a fake driver
 * (native/test/fake-cuda.c: host memory as device memory, streams and events ordered by vector
 * clocks with a race check on every copy, memset, kernel and cuBLAS call, stream capture with the
 * driver's rules, graphs) and, through the bridge, a fake cuBLAS 13 that computes its GEMMs; each
 * scenario in a child JVM. What a GPU alone can tell (the kernels' results, timing, the real
 * driver's and cuBLAS's behaviour under capture) is left to the gpu-tagged tests; what this checks
 * is what the backend asks of the driver, in which order, on which stream.
 */
class FakeCudaTest {
    @TempDir
    static Path tmp;

    private static Path lib;
    private static Path cublas13;

    @BeforeAll
    static void buildFakes() throws Exception {
        assumeTrue(FakeNatives.gccAvailable(), "gcc is not installed: cannot build the fake libcuda.so.1");
        assumeTrue(KernelImage.present(), "kernels not built (no nvcc): the fake driver loads the real fatbin");
        assumeTrue(
                CublasCompat.class.getResource(CublasCompat.BRIDGE_RESOURCE) != null,
                "no cuBLAS bridge in this build (native/build.sh needs gcc)");
        lib = tmp.resolve("lib");
        FakeNatives.buildCuda(lib);
        cublas13 = FakeNatives.buildCublas13(lib);
    }

    /** FAKE_CUDA_KERNELS: every launcher's kernel with one letter per parameter (i, f, l, p). */
    static String kernelTypes() {
        StringBuilder s = new StringBuilder();
        for (Kernel.Signature k : KernelArgsTest.launcherSignatures().values()) {
            s.append(s.length() == 0 ? "" : ";").append(k.name()).append(':');
            for (KernelArgs.Type t : k.types())
                s.append(
                        switch (t) {
                            case I32 -> 'i';
                            case F32 -> 'f';
                            case I64 -> 'l';
                            case PTR -> 'p';
                        });
        }
        return s.toString();
    }

    record Run(FakeNatives.Result result, List<String> log) {
        Map<String, String> values() {
            return result.values();
        }

        List<String> lines(String prefix) {
            return log.stream().filter(l -> l.startsWith(prefix)).toList();
        }

        @Override
        public String toString() {
            return result + "\n--- fake driver log (last 40 lines)\n"
                    + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size()));
        }
    }

    private static Run child(String scenario, Map<String, String> extraEnv, String... props) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(scenario + "-" + System.nanoTime()));
        Path log = dir.resolve("driver.log");
        Map<String, String> env = new HashMap<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        env.put("LD_LIBRARY_PATH", lib + (ld == null || ld.isEmpty() ? "" : ":" + ld));
        env.put(CublasCompat.ENV_CUBLAS13, cublas13.toString());
        env.put("JBACKPROP_CACHE", dir.resolve("cache").toString());
        env.put("FAKE_CUDA_LOG", log.toString());
        env.put("FAKE_CUDA_KERNELS", kernelTypes());
        env.put("FAKE_CUBLAS13_COMPUTE", "1");
        env.putAll(extraEnv);
        List<String> p = new ArrayList<>(List.of("-D" + CublasCompat.PROP_MODE + "=force"));
        p.addAll(List.of(props));
        FakeNatives.Result r = FakeNatives.java(Child.class, List.of(scenario), p, env, dir);
        List<String> lines =
                Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of("(no driver log)");
        return new Run(r, lines);
    }

    private static void assertClean(Run r) {
        assertEquals(0, r.result().rc(), r.toString());
        assertEquals(List.of(), r.lines("RACE"), r.toString());
        assertEquals(List.of(), r.lines("DANGLING"), r.toString());
        assertEquals(List.of(), r.lines("LEGACY"), "no legacy default stream call:\n" + r);
    }

    // ---- 14.4 the probe, 14.3 where things come from -------------------------------------------

    /**
     * The probe opens the backend as training does and runs one GEMM (computed by the fake cuBLAS) and
     * one kernel (bias + ReLU, run by the fake driver on the host) and checks them; java.io.tmpdir is
     * a file here, so nothing, neither our bridge nor JCuda's natives, may need /tmp.
     */
    @Test
    void probeRunsTheSelfTestAndNeedsNoTmp() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("tmpdir-is-a-file"), "");
        Run r = child("probe", Map.of(), "-Djava.io.tmpdir=" + notADir);
        Map<String, String> v = r.values();
        assertEquals("true", v.get("available"), r.toString());
        assertTrue(v.get("reason").startsWith("device 0: Fake H200"), v.get("reason"));
        String info = v.get("info");
        assertTrue(info.contains("self-test: passed"), info);
        assertTrue(info.contains("cuBLAS: 13.0.42") && info.contains(cublas13.toString()), info);
        assertTrue(info.contains("/cache/native/cublas-bridge/"), "the bridge from the cache: " + info);
        assertFalse(r.lines("cuLaunchKernel bias_activation").isEmpty(), r.toString());
        assertClean(r);
        // the handle on our stream, with its workspace, host pointer mode
        List<String> streams = r.lines("cuStreamCreate");
        assertFalse(streams.isEmpty());
        for (String s : streams) assertTrue(s.endsWith("(non-blocking)"), s);
    }

    @Test
    void aDriverOlderThanTheKernelsIsTooOldForCuda13() throws Exception {
        Run r = child("probe", Map.of("FAKE_CUDA_DRIVER_VERSION", "12080"));
        Map<String, String> v = r.values();
        assertEquals("false", v.get("available"), r.toString());
        assertTrue(
                v.get("reason").startsWith("the NVIDIA driver supports CUDA 12.8, too old for CUDA 13"),
                v.get("reason"));
        assertTrue(v.get("reason").contains("580"), v.get("reason"));
    }

    /** Auto mode: a GPU that fails the self-test is not chosen; the CPU runs, and the line says why. */
    @Test
    void autoFallsBackToTheCpuWhenTheSelfTestFails() throws Exception {
        Map<String, String[]> cases = Map.of(
                "FAKE_CUDA_FAIL",
                        new String[] {"cuLaunchKernel/bias_activation=719", "bias_activation", "LAUNCH_FAILED"},
                "FAKE_CUBLAS13_FAIL", new String[] {"cublasSgemm_v2=13", "cublasSgemm", "EXECUTION_FAILED"},
                "FAKE_CUDA_NOEXEC", new String[] {"bias_activation", "got [", "want [3.5, 17.0, 0.0, 4.0]"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            Run r = child("auto", Map.of(c.getKey(), c.getValue()[0]));
            Map<String, String> v = r.values();
            assertEquals("cpu", v.get("backend"), r.toString());
            String log = v.get("log");
            assertNotNull(log, r.toString());
            assertTrue(
                    log.startsWith("using the CPU backend (GPU not used: the GPU failed jbackprop's self-test"), log);
            assertTrue(log.contains(c.getValue()[1]) && log.contains(c.getValue()[2]), c.getKey() + ": " + log);
        }
        Run ok = child("auto", Map.of());
        assertEquals("cuda", ok.values().get("backend"), ok.toString());
    }

    // ---- 13.2 one way to launch ------------------------------------------------------------------

    @Test
    void aFailedLaunchNamesTheKernelAndItsArguments() throws Exception {
        Run r = child("kernel-failure", Map.of("FAKE_CUDA_FAIL", "cuLaunchKernel/gather_columns=719"));
        String m = r.values().get("message");
        assertNotNull(m, r.toString());
        assertTrue(m.startsWith("CUDA error in kernel gather_columns [grid "), m);
        assertTrue(m.contains(" srcCols=9 ") && m.contains(" rows=5 m=3") && m.contains(" idx=0x"), m);
        assertTrue(m.contains("CUDA_ERROR_LAUNCH_FAILED"), m);
    }

    /** What every launch passes reaches the driver as declared (the fake reads the slots by the signature). */
    @Test
    void launchesPassTheirArgumentsAndAllocateNothing() throws Exception {
        Run r = child("launches", Map.of());
        assertClean(r);
        Map<String, String> v = r.values();
        long bytes = Long.parseLong(v.get("allocatedPerStep"));
        assertTrue(bytes < 16, bytes + " bytes allocated per step of launches:\n" + r);
        // the arguments as the kernel reads them: act=2 (ReLU), alpha, z, bias, a, a16=null, rows=7, n=7·5
        assertTrue(
                r.lines("cuLaunchKernel bias_activation grid 1 block 256").stream()
                        .anyMatch(l -> l.matches(".*: 2 0 0x\\p{XDigit}+ 0x\\p{XDigit}+ 0x\\p{XDigit}+ 0x0 7 35$")),
                r.toString());
        assertTrue(
                r.lines("cuLaunchKernel output_delta grid 1 block 256").stream()
                        .anyMatch(
                                l -> l.matches(".*: 1 6 0 (0x\\p{XDigit}+ ){3}0x\\p{XDigit}+ 0x0 6 5 0x\\p{XDigit}+$")),
                r.toString());
    }

    // ---- 14.1 non-blocking streams, no legacy-stream copies -------------------------------------

    /** {@link GpuScenarios#twoBackends}. */
    @Test
    void anotherBackendsCopiesDoNotBreakACapture() throws Exception {
        Run r = child("two-backends", Map.of());
        assertClean(r);
        Map<String, String> v = r.values();
        assertEquals("none", v.get("other.error"), r.toString());
        assertEquals("1", v.get("graphs"), "the capture survived:\n" + r);
        assertEquals("[1.5, 2.5, 3.5]", v.get("other.download"), r.toString());
        assertFalse(r.lines("cuMemcpyHtoDAsync").isEmpty());
        assertFalse(r.lines("cuMemcpyDtoHAsync").isEmpty());
    }

    // ---- 14.2 streamed batches ---------------------------------------------------------------------

    @Test
    void streamedBatchesAreOrderedAgainstTheirStagingFill() throws Exception {
        Run r = child("streamed", Map.of());
        assertClean(r);
        assertEquals("0", r.values().get("mismatches"), r.toString());
        assertEquals("52", r.values().get("batches"), r.toString()); // 4 epochs of 13 batches (203 = 12·16 + 11)
    }

    /**
     * Resident data through the real launchers: uint8 features (normalised) and class indices uploaded once,
     * gathered by gather_bytes and gather_one_hot (run on the host by the fake driver from elementwise.cuh),
     * equal the host's gather bit for bit, the bfloat16 copy of x included (--bf16); the store holds one byte
     * per feature value.
     */
    @Test
    void residentBytesAreGatheredByTheirKernels() throws Exception {
        Run r = child("resident-bytes", Map.of());
        assertClean(r);
        assertEquals("resident", r.values().get("describe"), r.toString());
        assertEquals("0", r.values().get("mismatches"), r.toString());
        assertEquals("0", r.values().get("bf16Mismatches"), r.toString());
        assertEquals("26", r.values().get("batches"), r.toString());
        assertEquals("true", r.values().get("freed"), "the store and its views free what they allocated:\n" + r);
        assertEquals(String.valueOf(11 * 250 + 4 * 250), r.values().get("storeBytes"), r.toString());
        assertFalse(r.lines("cuLaunchKernel gather_bytes").isEmpty(), r.toString());
        assertFalse(r.lines("cuLaunchKernel gather_one_hot").isEmpty(), r.toString());
    }

    // ---- 14.5 graphs --------------------------------------------------------------------------------

    @Test
    void aRefusedCaptureRunsTheStepEagerlyWithOneWarning() throws Exception {
        for (Map<String, String> env :
                List.of(Map.of("FAKE_CUDA_FAIL", "cuStreamEndCapture=901"), Map.of("FAKE_CUBLAS13_NO_CAPTURE", "1"))) {
            Run r = child("capture-fallback", env);
            assertEquals(0, r.result().rc(), r.toString());
            Map<String, String> v = r.values();
            assertEquals("0", v.get("graphs"), r.toString());
            assertEquals("true", v.get("eager"), r.toString());
            // run 1 eager, run 2's capture (recorded, not run) and its eager rerun, runs 3 … 5 eager
            assertEquals("6", v.get("bodyRuns"), r.toString());
            assertEquals("[6.0, 6.0]", v.get("value"), "the last run's fill was done:\n" + r);
            assertEquals("[33.0]", v.get("gemm"), "the GEMM ran eagerly:\n" + r);
            assertEquals(
                    1, count(r.result().err(), "capturing the training step as a CUDA graph failed"), r.toString());
            assertEquals(List.of(), r.lines("cuGraphLaunch"));
        }
        Run captured = child("capture-fallback", Map.of());
        assertEquals("1", captured.values().get("graphs"), captured.toString());
        assertEquals("[2.0, 2.0]", captured.values().get("value"), "replays repeat the captured fill");
        assertEquals(0, count(captured.result().err(), "CUDA graph failed"), captured.toString());
    }

    /**
     * The learning rate and Adam's bias corrections reach a replayed graph: an Adam step captured once and replayed,
     * with setScalars before each run (its own launch, outside the graph), the fake driver running both kernels
     * on the host with the kernels' maths; every run's parameters are the formulas at its own step, not those of
     * the captured one.
     */
    @Test
    void aReplayedOptimizerStepSeesTheScalarsOfItsStep() throws Exception {
        Run r = child("optimizer-replay", Map.of());
        assertClean(r);
        Map<String, String> v = r.values();
        assertEquals("1", v.get("graphs"), r.toString());
        assertEquals("[0, 0, 0, 0, 0, 0]", v.get("mismatches"), r.toString());
        assertEquals(6, r.lines("cuLaunchKernel set_scalars").size(), r.toString());
        // run 1 eager, run 2 recorded into the graph; runs 2 … 6 are graph launches
        assertEquals(2, r.lines("cuLaunchKernel optimizer_update").size(), r.toString());
        assertEquals(5, r.lines("cuGraphLaunch").size(), r.toString());
        assertTrue(
                r.lines("cuLaunchKernel optimizer_update").stream().allMatch(l -> l.contains(": 2 0x")),
                "rule 2 (adam):\n" + r);
    }

    /** A wider batch grows sumColumns' ones vector after a capture: the graph must not point at freed memory. */
    @Test
    void growingTheOnesVectorLeavesCapturedGraphsValid() throws Exception {
        Run r = child("ones", Map.of());
        assertClean(r);
        Map<String, String> v = r.values();
        assertEquals("9000", v.get("onesLength"), r.toString());
        assertEquals("[24.0, 48.0, 72.0]", v.get("replayed"), "the graph still sums 10 columns:\n" + r);
        assertEquals("[26995.0, 53990.0, 80985.0]", v.get("wide"), r.toString());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    /** Runs in the child JVM: one scenario, results as key=value lines. */
    public static final class Child {
        static void print(String key, Object value) {
            System.out.println(key + "=" + String.valueOf(value).replace('\n', '|'));
        }

        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "probe" -> {
                    CudaProbe.Availability a = CudaProbe.probe();
                    print("available", a.available());
                    print("reason", a.reason());
                    print("info", CudaProbe.info());
                }
                case "auto" -> {
                    // what auto does (the command line's Backends.open): the GPU when the probe, self-test included,
                    // passes, else the CPU with the reason
                    CudaProbe.Availability a = CudaProbe.probe();
                    if (!a.available()) print("log", "using the CPU backend (GPU not used: " + a.reason() + ")");
                    try (Ops ops = a.available()
                            ? CudaBackend.open(false, false, false)
                            : new dev.jbackprop.backend.cpu.CpuOps(1)) {
                        print("backend", ops.name());
                    }
                }
                case "kernel-failure" -> kernelFailure();
                case "launches" -> launches();
                case "two-backends" -> twoBackends();
                case "streamed" -> streamed();
                case "resident-bytes" -> residentBytes();
                case "capture-fallback" -> captureFallback();
                case "ones" -> ones();
                case "optimizer-replay" -> optimizerReplay();
                default -> throw new IllegalArgumentException(args[0]);
            }
        }

        static float[] get(Ops ops, Block b, int n) {
            float[] out = new float[n];
            ops.download(b, 0, out, 0, n);
            return out;
        }

        static void kernelFailure() {
            try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                    Block src = ops.allocate(5 * 9);
                    Block dst = ops.allocate(5 * 4);
                    IndexBlock idx = ops.allocateIndices(3)) {
                ops.upload(new int[] {2, 0, 1}, idx);
                try {
                    ops.gather(new Mat(src, 5, 9), idx, 0, 3, new Mat(dst, 5, 4));
                    print("message", "no failure");
                } catch (GpuException e) {
                    print("message", e.getMessage());
                }
            }
        }

        /** One step's worth of every launch and cuBLAS call, 3000 times, allocation measured over the last 1000. */
        static void launches() {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int rows = 7, cols = 5, in = 6;
            try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                    Block w = ops.allocate(rows * in + rows);
                    Block g = ops.allocate(rows * in + rows);
                    Block v = ops.allocate(rows * in + rows);
                    Block v2 = ops.allocate(rows * in + rows);
                    Block scalars = ops.allocate(UpdateScalars.COUNT);
                    Block act = ops.allocate(4L * rows * cols + in * cols);
                    Block out = ops.allocate(4L * 6 * cols);
                    Block data = ops.allocate((long) in * 20);
                    IndexBlock order = ops.allocateIndices(20);
                    IndexBlock batch = ops.allocateIndices(cols);
                    Metrics metrics = ops.allocateMetrics()) {
                Mat wm = Mat.of(w, 0, rows, in), bm = Mat.vector(w, rows * in, rows);
                Mat gw = Mat.of(g, 0, rows, in), gb = Mat.vector(g, rows * in, rows);
                Mat z = Mat.of(act, 0, rows, cols), a = Mat.of(act, rows * cols, rows, cols);
                Mat delta = Mat.of(act, 2L * rows * cols, rows, cols), x = Mat.of(act, 4L * rows * cols, in, cols);
                Mat zo = Mat.of(out, 0, 6, cols), ao = Mat.of(out, 6 * cols, 6, cols);
                Mat y = Mat.of(out, 12 * cols, 6, cols), dOut = Mat.of(out, 18 * cols, 6, cols);
                Mat src = new Mat(data, in, 20), bo = Mat.vector(w, 0, 6);
                int[] idx = new int[20];
                for (int i = 0; i < 20; i++) idx[i] = (i * 7) % 20;
                ops.upload(idx, order);
                float[] numbers = new float[UpdateScalars.COUNT];
                UpdateScalars.compute(numbers, Optimizer.adam(0.9, 0.999, 1e-8, 0), 1e-3, 1e-3, 0, 1, cols, 1);
                Runnable step = () -> {
                    ops.copyIndices(order, 5, cols, batch);
                    ops.gather(src, batch, 0, cols, x);
                    ops.gemm(false, false, rows, cols, in, 1f, wm, x, 0f, z);
                    ops.biasActivation(Activation.RELU, z, bm, a, cols);
                    ops.biasActivation(Activation.SOFTMAX, zo, bo, ao, cols);
                    ops.outputError(Cost.CROSS_ENTROPY, Activation.SOFTMAX, zo, ao, y, dOut, cols, metrics);
                    ops.activationBackward(Activation.RELU, z, a, delta, cols);
                    ops.gemm(false, true, rows, in, cols, 1f, delta, x, 0f, gw);
                    ops.sumColumns(delta, cols, gb);
                    ops.update(w, g, v, rows * in, 0.1f, 0.9f, 1f);
                    ops.setScalars(scalars, numbers);
                    ops.optimizerStep(Optimizer.Kind.ADAM, w, g, v, v2, rows * in, scalars);
                };
                for (int i = 0; i < 2000; i++) step.run();
                long before =
                        threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < 1000; i++) step.run();
                long after =
                        threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                print("allocatedPerStep", (after - before) / 1000);
            }
        }

        static void twoBackends() throws Exception {
            GpuScenarios.TwoBackends r = GpuScenarios.twoBackends();
            print("graphs", r.graphs());
            print("other.error", r.error() == null ? "none" : r.error().toString());
            print("other.download", Arrays.toString(r.download()));
        }

        /**
         * A streamed dataset (StreamedData) of uint8 features, normalised, with classes, over a view of its store:
         * checked batch by batch against the columns it should hold (decoded, normalised, one-hot).
         */
        static void streamed() {
            int features = 11, classes = 3, stored = 250, count = 203, batch = 16;
            byte[] xs = new byte[features * stored];
            for (int i = 0; i < xs.length; i++) xs[i] = (byte) (i * 7);
            int[] cs = new int[stored];
            for (int i = 0; i < stored; i++) cs[i] = i % classes;
            float[] shift = new float[features], factor = new float[features];
            for (int k = 0; k < features; k++) {
                shift[k] = k * 0.01f;
                factor[k] = 1 + k;
            }
            SampleStore samples =
                    SampleStore.uint8(features, xs).withClasses(cs, classes).withNormalisation(shift, factor);
            int[] rows = new int[count];
            for (int i = 0; i < count; i++) rows[i] = (i * 3 + 1) % stored;
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = (i * 89) % count;
            int mismatches = 0, batches = 0;
            try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                    Block bx = ops.allocate((long) features * batch);
                    Block by = ops.allocate((long) classes * batch);
                    DeviceData.Store store = StreamedData.store(ops.device(), ops.bf16Kernels(), samples);
                    DeviceData data = DeviceData.of(store, rows)) {
                for (int epoch = 0; epoch < 4; epoch++) {
                    data.beginEpoch(order);
                    for (int off = 0; off < count; off += batch) {
                        int m = Math.min(batch, count - off);
                        data.load(off, m, new Mat(bx, features, batch), new Mat(by, classes, batch));
                        float[] gx = get(ops, bx, features * m), gy = get(ops, by, classes * m);
                        for (int j = 0; j < m; j++) {
                            int s = rows[order[off + j]];
                            for (int f = 0; f < features; f++) {
                                float want = ((xs[s * features + f] & 0xff) / 255f - shift[f]) * factor[f];
                                if (Float.floatToRawIntBits(gx[j * features + f]) != Float.floatToRawIntBits(want))
                                    mismatches++;
                            }
                            for (int c = 0; c < classes; c++)
                                if (gy[j * classes + c] != (cs[s] == c ? 1f : 0f)) mismatches++;
                        }
                        batches++;
                    }
                    for (int i = 0; i < count; i++) order[i] = count - 1 - order[i];
                }
            }
            print("mismatches", mismatches);
            print("batches", batches);
        }

        /** Resident uint8 data, normalised, with classes: each batch against the host's gather. */
        static void residentBytes() {
            int features = 11, classes = 3, stored = 250, count = 203, batch = 16;
            java.util.Random rng = new java.util.Random(5);
            byte[] xs = new byte[features * stored];
            rng.nextBytes(xs);
            int[] cs = new int[stored];
            for (int i = 0; i < stored; i++) cs[i] = rng.nextInt(classes);
            float[] shift = new float[features], factor = new float[features];
            for (int k = 0; k < features; k++) {
                shift[k] = rng.nextFloat();
                factor[k] = 0.1f + 4 * rng.nextFloat();
            }
            SampleStore samples =
                    SampleStore.uint8(features, xs).withClasses(cs, classes).withNormalisation(shift, factor);
            int[] rows = new int[count];
            for (int i = 0; i < count; i++) rows[i] = (i * 3 + 1) % stored;
            int[] order = new int[count];
            for (int i = 0; i < count; i++) order[i] = (i * 89) % count;
            int mismatches = 0, bf16Mismatches = 0, batches = 0;
            try (CudaOps ops = new CudaOps(new CudaOptions(0, false, true, false));
                    Block bx = ops.allocateGemmOperands((long) features * batch);
                    Block by = ops.allocate((long) classes * batch)) {
                long before = ops.allocatedBytes();
                try (DeviceData.Store store = ops.loadData(samples);
                        DeviceData data = DeviceData.of(store, rows)) {
                    print("describe", store.describe());
                    print("storeBytes", samples.residentBytes());
                    for (int epoch = 0; epoch < 2; epoch++) {
                        data.beginEpoch(order);
                        for (int off = 0; off < count; off += batch) {
                            int m = Math.min(batch, count - off);
                            data.load(off, m, new Mat(bx, features, batch), new Mat(by, classes, batch));
                            float[] gx = get(ops, bx, features * m), gy = get(ops, by, classes * m);
                            short[] g16 = ops.downloadBf16(bx, 0, features * m);
                            int[] st = new int[m];
                            for (int j = 0; j < m; j++) st[j] = rows[order[off + j]];
                            float[] hx = new float[features * m], hy = new float[classes * m];
                            samples.gatherFeatures(st, 0, m, java.nio.FloatBuffer.wrap(hx), 0);
                            samples.gatherTargets(st, 0, m, java.nio.FloatBuffer.wrap(hy), 0);
                            for (int i = 0; i < hx.length; i++) {
                                if (Float.floatToRawIntBits(gx[i]) != Float.floatToRawIntBits(hx[i])) mismatches++;
                                if (g16[i] != dev.jbackprop.diag.Bf16.bits(hx[i])) bf16Mismatches++;
                            }
                            for (int i = 0; i < hy.length; i++) if (gy[i] != hy[i]) mismatches++;
                            batches++;
                        }
                        for (int i = 0; i < count; i++) order[i] = count - 1 - order[i];
                    }
                }
                print("freed", ops.allocatedBytes() == before);
            }
            print("mismatches", mismatches);
            print("bf16Mismatches", bf16Mismatches);
            print("batches", batches);
        }

        /** A body with a fill and a GEMM, run 5 times: captured once and replayed, or (a refused capture) eagerly. */
        static void captureFallback() {
            try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                    Block b = ops.allocate(2);
                    Block w = ops.allocate(2);
                    Block x = ops.allocate(2);
                    Block c = ops.allocate(1)) {
                ops.upload(new float[] {3, 5}, 0, w, 0, 2);
                int[] runs = {0};
                try (StepReplay r = ops.capture(() -> {
                    runs[0]++;
                    ops.fill(b, runs[0]);
                    ops.gemm(false, false, 1, 1, 2, 1f, new Mat(w, 1, 2), new Mat(x, 2, 1), 0f, new Mat(c, 1, 1));
                })) {
                    ops.upload(new float[] {1, 6}, 0, x, 0, 2); // 3·1 + 5·6 = 33
                    for (int i = 0; i < 5; i++) r.run();
                    print("graphs", ops.capturedGraphs());
                    print("eager", ((GraphReplay) r).eager());
                }
                print("bodyRuns", runs[0]);
                print("value", Arrays.toString(get(ops, b, 2)));
                print("gemm", Arrays.toString(get(ops, c, 1)));
            }
        }

        /** {@link #aReplayedOptimizerStepSeesTheScalarsOfItsStep}: six runs at rates 0.1/t, t = 1 … 6. */
        static void optimizerReplay() {
            int n = 37;
            Optimizer o = Optimizer.adam(0.9, 0.999, 1e-8, 1e-3);
            float[] p = new float[n], g = new float[n], s1 = new float[n], s2 = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = (i % 7 - 3) * 0.25f;
                g[i] = (i % 5 - 2) * 1.5f + 0.1f;
            }
            List<Integer> mismatches = new ArrayList<>();
            try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                    Block dp = ops.allocate(n);
                    Block dg = ops.allocate(n);
                    Block d1 = ops.allocate(n);
                    Block d2 = ops.allocate(n);
                    Block dsc = ops.allocate(UpdateScalars.COUNT)) {
                ops.upload(p, 0, dp, 0, n);
                ops.upload(g, 0, dg, 0, n);
                float[] sc = new float[UpdateScalars.COUNT];
                try (StepReplay r = ops.capture(() -> ops.optimizerStep(Optimizer.Kind.ADAM, dp, dg, d1, d2, n, dsc))) {
                    for (int t = 1; t <= 6; t++) {
                        UpdateScalars.compute(sc, o, 0.1 / t, 0.1 / t, 0, 1, 8, t);
                        ops.setScalars(dsc, sc);
                        r.run();
                        for (int i = 0; i < n; i++) {
                            float[] u = dev.jbackprop.backend.UpdateFormulas.step(
                                    Optimizer.Kind.ADAM, true, true, p[i], g[i], s1[i], s2[i], sc);
                            p[i] = u[0];
                            s1[i] = u[1];
                            s2[i] = u[2];
                        }
                        float[] got = get(ops, dp, n);
                        int bad = 0;
                        for (int i = 0; i < n; i++)
                            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(p[i])) bad++;
                        mismatches.add(bad);
                    }
                    print("graphs", ops.capturedGraphs());
                }
            }
            print("mismatches", mismatches);
        }

        static void ones() {
            GpuScenarios.Ones r = GpuScenarios.onesGrowth();
            print("onesLength", r.onesLength());
            print("replayed", Arrays.toString(r.replayed()));
            print("wide", Arrays.toString(r.wide()));
        }
    }
}
