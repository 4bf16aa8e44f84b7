import dev.jbackprop.api.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Classification on in-memory arrays: train, evaluate, predict, save. */
public class TrainAndPredict {
    public static void main(String[] args) throws Exception {
        Random r = new Random(1);
        float[][] x = new float[600][2];
        int[] labels = new int[600];
        for (int i = 0; i < x.length; i++) { // three clusters in the plane
            labels[i] = i % 3;
            x[i][0] = (float) (Math.cos(2 * Math.PI * labels[i] / 3) * 2 + r.nextGaussian() * 0.5);
            x[i][1] = (float) (Math.sin(2 * Math.PI * labels[i] / 3) * 2 + r.nextGaussian() * 0.5);
        }
        Data data = Data.classification(x, labels);
        try (Backend backend = Backend.auto();
                Model model = Model.builder()
                        .input(2)
                        .hidden(16, Activation.relu())
                        .output(3)
                        .build(backend)) {
            model.fit(data, TrainingOptions.defaults().epochs(20).batchSize(32));
            System.out.printf("accuracy %.3f%n", model.evaluate(data).accuracy());
            Predictions p = model.predict(new float[][] {{2, 0}, {-1, 1.7f}, {-1, -1.7f}});
            System.out.println(
                    "classes " + p.predictedClass(0) + " " + p.predictedClass(1) + " " + p.predictedClass(2));
            Path file = Files.createTempFile("model", ".safetensors");
            model.save(file);
            System.out.println("saved " + Files.size(file) + " bytes");
        }
    }
}
