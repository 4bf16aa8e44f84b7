import dev.jbackprop.api.*;
import java.util.Random;

/** The GPU against the CPU: the same model trained on both must predict the same, within FP32 rounding. */
public class GpuAgainstCpu {
    public static void main(String[] args) {
        if (Backend.cudaUnavailableReason().isPresent()) {
            System.out.println("skipped: " + Backend.cudaUnavailableReason().get());
            return;
        }
        Random r = new Random(3);
        float[][] x = new float[512][20];
        int[] labels = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < 20; k++) x[i][k] = (float) r.nextGaussian();
            labels[i] = x[i][0] + x[i][1] > 0 ? 1 : 0;
        }
        Data data = Data.classification(x, labels);
        TrainingOptions options = TrainingOptions.defaults().epochs(3).batchSize(64);
        try (Backend cpu = Backend.cpu();
                Backend gpu = Backend.cuda(0, Precision.FP32);
                Model onCpu =
                        Model.builder().input(20).hidden(64).output(2).seed(7).build(cpu);
                Model onGpu =
                        Model.builder().input(20).hidden(64).output(2).seed(7).build(gpu)) {
            onCpu.fit(data, options);
            onGpu.fit(data, options);
            float[][] a = onCpu.predict(x).values(), b = onGpu.predict(x).values();
            double worst = 0;
            for (int i = 0; i < a.length; i++)
                for (int c = 0; c < 2; c++) worst = Math.max(worst, Math.abs(a[i][c] - b[i][c]));
            System.out.printf("%s: max |gpu - cpu| = %.2e%n", gpu.device().name(), worst);
            if (worst > 1e-3) throw new AssertionError("the GPU differs from the CPU by " + worst);
        }
    }
}
