package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Mat;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Streamed batches (pinned host memory, second stream, prefetch) equal resident gathered ones. */
@Tag("gpu")
class StreamedDataGpuTest {
    @BeforeEach
    void gpu() {
        GpuTestSupport.assumeGpu();
    }

    @Test
    void streamedBatchesEqualResidentBatches() {
        int features = 37, classes = 5, count = 1001, batch = 64;
        Random r = new Random(3);
        float[] x = new float[features * count], y = new float[classes * count];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int i = 0; i < y.length; i++) y[i] = r.nextFloat();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = (i * 389) % count; // 389 is prime to 1001: a permutation
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                GpuTestSupport.Scratch s = new GpuTestSupport.Scratch(ops)) {
            DeviceData.Source resident = new DeviceData.Resident(ops, x, y, features, classes, count);
            DeviceData.Source streamed =
                    new StreamedData(deviceOf(ops), ops.bf16Kernels(), x, y, features, classes, count);
            Mat rx = s.mat(features, batch),
                    ry = s.mat(classes, batch),
                    sx = s.mat(features, batch),
                    sy = s.mat(classes, batch);
            for (int epoch = 0; epoch < 2; epoch++) {
                resident.beginEpoch(order);
                streamed.beginEpoch(order);
                for (int off = 0; off < count; off += batch) {
                    int m = Math.min(batch, count - off);
                    resident.load(off, m, rx, ry);
                    streamed.load(off, m, sx, sy);
                    assertArrayEquals(
                            java.util.Arrays.copyOf(s.get(rx), features * m),
                            java.util.Arrays.copyOf(s.get(sx), features * m),
                            "x at " + off);
                    assertArrayEquals(
                            java.util.Arrays.copyOf(s.get(ry), classes * m),
                            java.util.Arrays.copyOf(s.get(sy), classes * m),
                            "y at " + off);
                }
                for (int i = 0; i < count; i++) order[i] = count - 1 - order[i];
            }
            resident.close();
            streamed.close();
        }
    }

    private static CudaDevice deviceOf(CudaOps ops) {
        return ops.device();
    }
}
