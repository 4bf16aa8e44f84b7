import dev.jbackprop.api.*;
import java.util.Random;

/** Regression: learn y = sin(x₀) + x₁² / 2 from noisy samples. */
public class Regression {
    public static void main(String[] args) {
        Random r = new Random(2);
        float[][] x = new float[2000][2];
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i][0] = (float) (r.nextDouble() * 6 - 3);
            x[i][1] = (float) (r.nextDouble() * 2 - 1);
            y[i] = (float) (Math.sin(x[i][0]) + x[i][1] * x[i][1] / 2 + r.nextGaussian() * 0.05);
        }
        Data train = Data.regression(x, y);
        try (Backend backend = Backend.auto();
                Model model = Model.builder()
                        .input(2)
                        .hidden(32, Activation.tanh())
                        .hidden(32, Activation.tanh())
                        .output(1, Activation.identity())
                        .loss(Loss.QUADRATIC)
                        .build(backend)) {
            model.fit(
                    train,
                    TrainingOptions.defaults()
                            .epochs(60)
                            .batchSize(32)
                            .optimizer(Optimizer.sgd(0.02).momentum(0.9)));
            Evaluation e = model.evaluate(train);
            System.out.printf("R2 %.3f MSE %.4f%n", e.r2(), e.meanSquaredError());
            System.out.printf(
                    "f(1, 0.5) = %.3f (true %.3f)%n",
                    model.predict(new float[][] {{1, 0.5f}}).row(0)[0], Math.sin(1) + 0.125);
        }
    }
}
