import dev.jbackprop.data.*;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.model.*;
import dev.jbackprop.reference.*;

/** The textbook chapter-1 run on the reference oracle (double, one sample at a time), same init and batch order as jbackprop train --seed S.
 *  Usage: java -cp target/jbackprop-all.jar bench/ReferenceChapter1.java SEED */
public class ReferenceChapter1 {
    public static void main(String[] a) throws Exception {
        long seed = Long.parseLong(a[0]);
        Mnist mn = Mnist.load(null, null, System.err::println);
        Dataset tr = mn.train().first(50000), te = mn.test();
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 30, 10}, Activation.SIGMOID, Activation.SIGMOID, Cost.QUADRATIC);
        ReferenceNetwork net = new ReferenceNetwork(spec, Init.GAUSSIAN.initialise(spec.layout(), seed));
        float[] x = tr.x(), y = tr.y(), tx = te.x();
        int[] tl = te.labels();
        Shuffler sh = new Shuffler(seed);
        int[] perm = new int[50000];
        double best = 0;
        for (int ep = 1; ep <= 30; ep++) {
            sh.shuffle(perm);
            for (int off = 0; off < 50000; off += 10) {
                double[][] xs = new double[10][784], ys = new double[10][10];
                for (int j = 0; j < 10; j++) {
                    int s = perm[off + j];
                    for (int i = 0; i < 784; i++) xs[j][i] = x[s * 784 + i];
                    for (int i = 0; i < 10; i++) ys[j][i] = y[s * 10 + i];
                }
                net.trainStep(xs, ys, 3.0, 0, 50000, 0);
            }
            int correct = 0;
            for (int s = 0; s < te.count(); s++) {
                double[] xi = new double[784];
                for (int i = 0; i < 784; i++) xi[i] = tx[s * 784 + i];
                double[] o = net.forward(xi).output();
                int arg = 0;
                for (int i = 1; i < 10; i++) if (o[i] > o[arg]) arg = i;
                if (arg == tl[s]) correct++;
            }
            best = Math.max(best, correct / 100.0);
            System.out.printf("epoch %d: %.2f%% (best %.2f%%)%n", ep, correct / 100.0, best);
        }
    }
}
