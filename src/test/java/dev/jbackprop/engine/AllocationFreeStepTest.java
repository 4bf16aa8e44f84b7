package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU training step allocates nothing on the Java heap once warmed up. */
class AllocationFreeStepTest {

  @Test
  void stepsAllocateNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    NetworkSpec spec = NetworkSpec.of(new int[] {50, 40, 30, 10}, List.of(Activation.RELU, Activation.TANH), Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    int n = 1000, batch = 64;
    Random r = new Random(1);
    float[] x = new float[50 * n], y = new float[10 * n];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
    for (int j = 0; j < n; j++) y[j * 10 + r.nextInt(10)] = 1f;
    int[] order = new int[n];
    new Shuffler(3).shuffle(order);
    Step.Hyper hyper = new Step.Hyper(0.05, 1.0, 0.9, n);
    try (CpuOps ops = new CpuOps(2); Network net = new Network(ops, spec, batch, true); DeviceData data = DeviceData.upload(ops, x, y, 50, 10, n);
        Metrics metrics = ops.allocateMetrics()) {
      net.setParameters(Init.HE.initialise(spec.layout(), 1));
      data.beginEpoch(order);
      double[] out = new double[3];
      Runnable steps = () -> {
        for (int off = 0; off + batch <= n; off += batch) {
          data.load(off, batch, net.x, net.y);
          Step.train(net, batch, metrics, hyper);
          metrics.read(out);
        }
      };
      for (int i = 0; i < 20; i++) steps.run(); // warm up: JIT compilation may allocate
      long tid = Thread.currentThread().getId();
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 10; i++) steps.run();
      long allocated = threads.getThreadAllocatedBytes(tid) - before;
      int stepsRun = 10 * (n / batch);
      assertTrue(allocated < 16L * stepsRun, allocated + " bytes allocated over " + stepsRun + " steps");
    }
  }
}
