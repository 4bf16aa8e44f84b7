package dev.jbackprop.bench;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each elementwise kernel family of a step alone, on rows × batch matrices, and a plain copy of
 * the same device for reference. "GB" (read as GB/s) counts the bytes each operation must read and
 * write once: biasActivation 3 floats per element (z in, z and a out), activationBackward 4 (z, a,
 * δ in, δ out), outputDelta 4 (z, a, y in, δ out; 10 rows), update 5 (p, g, v in, v and p out;
 * rows² + rows parameters), optimizerStep 5 (sgd, nesterov) or 7 (adam, adamw: p, g, m, v in; p, m, v out),
 * gather 2 (784 rows), sumColumns 1, copy 2. Each invocation queues
 * {@code launches} operations, then synchronises (use -p launches=20 on a GPU for small shapes).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Bench.XMX})
public class KernelBench {

    /** rows × batch matrices for the elementwise kernels of a hidden layer. */
    @State(Scope.Benchmark)
    public static class Layer {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"1024", "4096"})
        public int rows;

        @Param({"1024"})
        public int batch;

        @Param({"relu"})
        public String activation;

        @Param({"1"})
        public int launches;

        Ops ops;
        Activation act;
        Mat z, a, delta, bias, sums;

        @Setup(Level.Trial)
        public void setUp() {
            ops = Bench.open(backend, false, false);
            act = Activation.parse(activation);
            z = Bench.matrix(ops, rows, batch, 1f, 1);
            a = Bench.matrix(ops, rows, batch, 1f, 2);
            delta = Bench.matrix(ops, rows, batch, 1f, 3);
            bias = Bench.matrix(ops, rows, 1, 0f, 0); // zero, so that repeated launches leave z as it is
            sums = Bench.matrix(ops, rows, 1, 0f, 0);
            ops.synchronize();
        }

        double elements() {
            return (double) rows * batch * launches;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    @Benchmark
    public void biasActivation(Layer s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++) s.ops.biasActivation(s.act, s.z, s.bias, s.a, s.batch);
        s.ops.synchronize();
        c.GB += 3 * 4 * s.elements() / 1e9;
    }

    @Benchmark
    public void activationBackward(Layer s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++) s.ops.activationBackward(s.act, s.z, s.a, s.delta, s.batch);
        s.ops.synchronize();
        c.GB += 4 * 4 * s.elements() / 1e9;
    }

    @Benchmark
    public void sumColumns(Layer s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++) s.ops.sumColumns(s.delta, s.batch, s.sums);
        s.ops.synchronize();
        c.GB += 4 * s.elements() / 1e9;
    }

    /** The parameters of one rows × rows layer (weights and biases), with gradients and momentum. */
    @State(Scope.Benchmark)
    public static class Params {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"1024", "4096"})
        public int rows;

        @Param({"1"})
        public int launches;

        Ops ops;
        Block params, grads, velocity;
        long weightCount;

        @Setup(Level.Trial)
        public void setUp() {
            ops = Bench.open(backend, false, false);
            weightCount = (long) rows * rows;
            int n = Math.toIntExact(weightCount + rows);
            params = Bench.matrix(ops, 1, n, 0.05f, 7).block();
            grads = Bench.matrix(ops, 1, n, 1f, 8).block();
            velocity = Bench.matrix(ops, 1, n, 0f, 0).block();
            ops.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    @Benchmark
    public void update(Params s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++)
            s.ops.update(s.params, s.grads, s.velocity, s.weightCount, 1e-6f, 0.9f, 1f);
        s.ops.synchronize();
        c.GB += 5 * 4 * (double) s.params.length() * s.launches / 1e9;
    }

    /**
     * One optimiser step over the parameters of one rows × rows layer (Ops.optimizerStep), with the state its rule
     * keeps: sgd and nesterov read p, g and a momentum buffer and write p and the buffer (5 floats per parameter),
     * adam and adamw read p, g and both moments and write p and the moments (7).
     */
    @State(Scope.Benchmark)
    public static class Optim {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"1024", "4096"})
        public int rows;

        @Param({"sgd", "nesterov", "adam", "adamw"})
        public String optimizer;

        @Param({"1"})
        public int launches;

        Ops ops;
        Optimizer.Kind rule;
        Block params, grads, first, second, scalars;
        long weightCount;

        @Setup(Level.Trial)
        public void setUp() {
            ops = Bench.open(backend, false, false);
            rule = Optimizer.Kind.parse(optimizer);
            weightCount = (long) rows * rows;
            int n = Math.toIntExact(weightCount + rows);
            params = Bench.matrix(ops, 1, n, 0.05f, 7).block();
            grads = Bench.matrix(ops, 1, n, 1f, 8).block();
            first = Bench.matrix(ops, 1, n, 0f, 0).block();
            second = rule.adaptive() ? Bench.matrix(ops, 1, n, 0f, 0).block() : null;
            scalars = ops.allocate(UpdateScalars.COUNT);
            Optimizer o = switch (rule) {
                case SGD -> Optimizer.sgd(0.9);
                case NESTEROV -> Optimizer.nesterov(0.9, 1e-4);
                case ADAM -> Optimizer.adam(0.9, 0.999, 1e-8, 0);
                case ADAMW -> Optimizer.adamw(0.9, 0.999, 1e-8, 0.01);
            };
            float[] numbers = new float[UpdateScalars.COUNT];
            UpdateScalars.compute(numbers, o, 1e-6, 1e-6, 0, 60000, 64, 10);
            ops.setScalars(scalars, numbers);
            ops.synchronize();
        }

        double bytesPerParameter() {
            return 4.0 * (rule.adaptive() ? 7 : 5);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    @Benchmark
    public void optimizerStep(Optim s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++)
            s.ops.optimizerStep(s.rule, s.params, s.grads, s.first, s.second, s.weightCount, s.scalars);
        s.ops.synchronize();
        c.GB += s.bytesPerParameter() * s.params.length() * s.launches / 1e9;
    }

    /** The batch-sized work: the softmax + cross-entropy output layer (10 rows) and gathering 784-row inputs. */
    @State(Scope.Benchmark)
    public static class Batch {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"1024", "8192"})
        public int batch;

        @Param({"1"})
        public int launches;

        Ops ops;
        Mat outZ, outA, outY, outDelta;
        Mat src, dst;
        IndexBlock idx;
        Metrics metrics;

        @Setup(Level.Trial)
        public void setUp() {
            ops = Bench.open(backend, false, false);
            outZ = Bench.matrix(ops, 10, batch, 1f, 4);
            outA = Bench.matrix(ops, 10, batch, 0.1f, 5);
            float[] y = new float[10 * batch];
            Random r = new Random(6);
            for (int j = 0; j < batch; j++) y[j * 10 + r.nextInt(10)] = 1f;
            outY = new Mat(ops.allocate(y.length), 10, batch);
            ops.upload(y, 0, outY.block(), 0, y.length);
            outDelta = Bench.matrix(ops, 10, batch, 0f, 0);
            int samples = 4 * batch;
            src = Bench.matrix(ops, 784, samples, 1f, 9);
            dst = Bench.matrix(ops, 784, batch, 0f, 0);
            idx = ops.allocateIndices(samples);
            int[] perm = new int[samples];
            new Shuffler(1).shuffle(perm);
            ops.upload(perm, idx);
            metrics = ops.allocateMetrics();
            ops.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (ops != null) ops.close();
        }
    }

    @Benchmark
    public void outputDelta(Batch s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++)
            s.ops.outputError(
                    Cost.CROSS_ENTROPY, Activation.SOFTMAX, s.outZ, s.outA, s.outY, s.outDelta, s.batch, s.metrics);
        s.ops.synchronize();
        c.GB += 4 * 4 * 10.0 * s.batch * s.launches / 1e9;
    }

    @Benchmark
    public void gather(Batch s, Bench.Bytes c) {
        for (int i = 0; i < s.launches; i++) s.ops.gather(s.src, s.idx, (i % 4) * s.batch, s.batch, s.dst);
        s.ops.synchronize();
        c.GB += 2 * 4 * 784.0 * s.batch * s.launches / 1e9;
    }

    /** The device's copy bandwidth: CPU, a parallel copy between two direct buffers; GPU, cuMemcpyDtoD. */
    @State(Scope.Benchmark)
    public static class Copy {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"256"})
        public int mebibytes;

        Ops ops;
        FloatBuffer hostSrc, hostDst;
        CUdeviceptr devSrc, devDst;
        long bytes;
        int threads = Runtime.getRuntime().availableProcessors();

        @Setup(Level.Trial)
        public void setUp() {
            bytes = mebibytes * 1024L * 1024L;
            ops = Bench.open(backend, false, false);
            if (backend.equals("cpu")) {
                hostSrc = ByteBuffer.allocateDirect(Math.toIntExact(bytes))
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                hostDst = ByteBuffer.allocateDirect(Math.toIntExact(bytes))
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                for (int i = 0; i < hostSrc.capacity(); i++) hostSrc.put(i, i);
            } else {
                ops.synchronize(); // makes the backend's context current on this thread
                devSrc = new CUdeviceptr();
                devDst = new CUdeviceptr();
                JCudaDriver.cuMemAlloc(devSrc, bytes);
                JCudaDriver.cuMemAlloc(devDst, bytes);
                JCudaDriver.cuMemsetD32(devSrc, 0x3f800000, bytes / 4);
                JCudaDriver.cuCtxSynchronize();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (devSrc != null) {
                ops.synchronize();
                JCudaDriver.cuMemFree(devSrc);
                JCudaDriver.cuMemFree(devDst);
            }
            if (ops != null) ops.close();
        }
    }

    @Benchmark
    public void copy(Copy s, Bench.Bytes c) {
        if (s.devSrc != null) {
            s.ops.synchronize(); // binds the context to this thread
            JCudaDriver.cuMemcpyDtoD(s.devDst, s.devSrc, s.bytes);
            JCudaDriver.cuCtxSynchronize();
        } else {
            int n = s.hostSrc.capacity(), parts = s.threads;
            IntStream.range(0, parts).parallel().forEach(p -> {
                int from = (int) ((long) n * p / parts), to = (int) ((long) n * (p + 1) / parts);
                s.hostDst
                        .duplicate()
                        .position(from)
                        .put(s.hostSrc.duplicate().position(from).limit(to));
            });
        }
        c.GB += 2 * s.bytes / 1e9;
    }
}
