package dev.jbackprop.bench;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * One whole training step (gather x and y, forward, softmax + cross-entropy, backward, momentum
 * update) of [784, width × depth, 10] ReLU at a batch size, on a resident synthetic dataset.
 * Primary score: steps/s; "samples" is samples/s. Full sweep:
 * -p width=64,256,1024,4096 -p batch=32,128,512,2048,8192 -p depth=1,2,3
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {Bench.XMX})
public class StepBench {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"false"})
    public boolean tf32;

    @Param({"false"})
    public boolean bf16;

    @Param({"256", "1024"})
    public int width;

    @Param({"128", "1024"})
    public int batch;

    @Param({"1", "2"})
    public int depth;

    private Ops ops;
    private Network net;
    private DeviceData data;
    private Metrics metrics;
    private Step.Hyper hyper;
    private int samples;
    private int offset;

    @Setup(Level.Trial)
    public void setUp() {
        int[] sizes = new int[depth + 2];
        sizes[0] = 784;
        for (int l = 1; l <= depth; l++) sizes[l] = width;
        sizes[depth + 1] = 10;
        NetworkSpec spec = NetworkSpec.of(sizes, Activation.RELU, null, Cost.CROSS_ENTROPY);
        samples = Math.max(4 * batch, 4096);
        Random r = new Random(1);
        float[] x = new float[784 * samples];
        float[] y = new float[10 * samples];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int j = 0; j < samples; j++) y[j * 10 + r.nextInt(10)] = 1f;
        ops = Bench.open(backend, tf32, bf16);
        net = new Network(ops, spec, batch, true);
        net.setParameters(Init.HE.initialise(spec.layout(), 1));
        data = DeviceData.upload(ops, x, y, 784, 10, samples);
        int[] perm = new int[samples];
        new Shuffler(1).shuffle(perm);
        data.beginEpoch(perm);
        metrics = ops.allocateMetrics();
        hyper = new Step.Hyper(0.01, 0, 0.9, samples);
        ops.synchronize();
    }

    @Benchmark
    public void step(Bench.Samples counter) {
        if (offset + batch > samples) offset = 0;
        data.load(offset, batch, net.x, net.y); // as the Trainer loads a batch: indices copied, then x and y gathered
        Step.train(net, batch, metrics, hyper);
        offset += batch;
        ops.synchronize();
        counter.samples += batch;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (metrics != null && !Double.isFinite(metrics.read()[0]))
            System.err.println("warning: the cost became non-finite during the run");
        if (ops != null) ops.close(); // frees every block, index block and metrics it allocated
    }
}
