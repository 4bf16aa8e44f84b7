package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;

/**
 * Ops.outputError on the CPU (the counterpart of the CUDA backend's LossKernels and kernels/loss.cu):
 * the output layer's δ, the batch's cost and its correct predictions, one column at a time on the
 * calling thread. Arguments are checked by the caller (CpuOps, through OpsChecks).
 */
final class CpuLoss {
    private CpuLoss() {}

    /**
     * For each live column j: δ[:, j] = a − y (cross-entropy, binary cross-entropy) or (a − y) ⊙ σ′(z)
     * (quadratic), unless delta is null; the cost ½‖a − y‖², Σ −y·ln softmax(z) or Σ softplus(z) − y·z;
     * and whether the prediction is right ({@link CpuMath#argmaxBetter}, {@link
     * CpuMath#singleOutputCorrect}). Adds the sums to {@code metrics}.
     */
    static void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, CpuMetrics metrics) {
        long zb = CpuOps.addr(z), ab = CpuOps.addr(a), yb = CpuOps.addr(y);
        long db = delta == null ? 0 : CpuOps.addr(delta);
        int rows = z.rows();
        int code = out.kind().code;
        float alpha = (float) out.alpha();
        double loss = 0;
        int correct = 0;
        for (int j = 0; j < m; j++) {
            long base = (long) j * rows;
            int argA = -1, argY = -1;
            float bestA = 0f, bestY = 0f;
            float zmax = Float.NEGATIVE_INFINITY;
            double sumExp = 0;
            if (cost == Cost.CROSS_ENTROPY) {
                for (int i = 0; i < rows; i++) zmax = Math.max(zmax, Mem.get(zb, base + i));
                for (int i = 0; i < rows; i++) sumExp += Math.exp(Mem.get(zb, base + i) - zmax);
            }
            double logSum = Math.log(sumExp);
            for (int i = 0; i < rows; i++) {
                long p = base + i;
                float av = Mem.get(ab, p), yv = Mem.get(yb, p), zv = Mem.get(zb, p);
                if (CpuMath.argmaxBetter(av, i, bestA, argA)) {
                    bestA = av;
                    argA = i;
                }
                if (CpuMath.argmaxBetter(yv, i, bestY, argY)) {
                    bestY = yv;
                    argY = i;
                }
                switch (cost) {
                    case QUADRATIC -> {
                        loss += CpuMath.quadraticCost(av, yv);
                        if (db != 0) Mem.put(db, p, (av - yv) * CpuMath.derivative(code, alpha, zv, av));
                    }
                    case CROSS_ENTROPY -> {
                        // −y·ln softmax(z)_i = −y·(z_i − max − ln Σ e^(z−max)), finite even where a_i rounds to 0
                        if (yv != 0f) loss -= yv * (zv - zmax - logSum);
                        if (db != 0) Mem.put(db, p, av - yv);
                    }
                    case BINARY_CROSS_ENTROPY -> {
                        loss += CpuMath.binaryCrossEntropyCost(zv, yv);
                        if (db != 0) Mem.put(db, p, av - yv);
                    }
                }
            }
            boolean right = rows == 1
                    ? CpuMath.singleOutputCorrect(Mem.get(ab, base), Mem.get(yb, base))
                    : argA >= 0 && argA == argY;
            if (right) correct++;
        }
        metrics.add(loss, correct, m);
    }
}
