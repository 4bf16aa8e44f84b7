package dev.jbackprop.backend.cpu;

import dev.jbackprop.model.Cost;

/**
 * Ops.outputError on the CPU (the counterpart of the CUDA backend's LossKernels and kernels/loss.cu):
 * the output layer's δ, the batch's cost and its correct predictions, by columns. Each column's cost
 * is summed on its own (in double) and the columns' costs are then added in column order once every
 * part is done ({@link Task#finish}), so the total does not depend on how the columns were split.
 * Arguments are checked by the caller (CpuOps, through OpsChecks).
 */
final class CpuLoss {
    private CpuLoss() {}

    static final class Task extends CpuTasks.Free {
        Cost cost;
        int code;
        float alpha;
        long z, a, y, delta; // addresses; delta = 0: metrics only
        int rows, m;
        CpuMetrics metrics;
        double[] colLoss = new double[0];
        boolean[] colRight = new boolean[0];

        Task set(
                Cost cost,
                int code,
                float alpha,
                long z,
                long a,
                long y,
                long delta,
                int rows,
                int m,
                CpuMetrics metrics,
                int threads) {
            this.cost = cost;
            this.code = code;
            this.alpha = alpha;
            this.z = z;
            this.a = a;
            this.y = y;
            this.delta = delta;
            this.rows = rows;
            this.m = m;
            this.metrics = metrics;
            if (colLoss.length < m) { // grows with the largest batch seen, then stays
                colLoss = new double[m];
                colRight = new boolean[m];
            }
            this.parts = CpuTasks.eagerParts((long) rows * m * 8, m, threads); // exp and log: ~8 passes' worth
            return this;
        }

        @Override
        void spread(int threads) {
            parts = Math.max(1, Math.min(threads, m));
        }

        /**
         * For each column j of the part: δ[:, j] = a − y (cross-entropy, binary cross-entropy) or
         * (a − y) ⊙ σ′(z) (quadratic), unless delta is 0; the column's cost ½‖a − y‖², Σ −y·ln softmax(z)
         * or Σ softplus(z) − y·z; and whether its prediction is right ({@link CpuMath#argmaxBetter},
         * {@link CpuMath#singleOutputCorrect}).
         */
        @Override
        public void run(int part) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            for (int j = c0; j < c1; j++) {
                long base = (long) j * rows;
                int argA = -1, argY = -1;
                float bestA = 0f, bestY = 0f;
                float zmax = Float.NEGATIVE_INFINITY;
                double sumExp = 0, loss = 0;
                if (cost == Cost.CROSS_ENTROPY) {
                    for (int i = 0; i < rows; i++) zmax = Math.max(zmax, Mem.get(z, base + i));
                    for (int i = 0; i < rows; i++) sumExp += Math.exp(Mem.get(z, base + i) - zmax);
                }
                double logSum = Math.log(sumExp);
                for (int i = 0; i < rows; i++) {
                    long p = base + i;
                    float av = Mem.get(a, p), yv = Mem.get(y, p), zv = Mem.get(z, p);
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
                            if (delta != 0) Mem.put(delta, p, (av - yv) * CpuMath.derivative(code, alpha, zv, av));
                        }
                        case CROSS_ENTROPY -> {
                            // −y·ln softmax(z)_i = −y·(z_i − max − ln Σ e^(z−max)), finite even where a_i rounds to 0
                            if (yv != 0f) loss -= yv * (zv - zmax - logSum);
                            if (delta != 0) Mem.put(delta, p, av - yv);
                        }
                        case BINARY_CROSS_ENTROPY -> {
                            loss += CpuMath.binaryCrossEntropyCost(zv, yv);
                            if (delta != 0) Mem.put(delta, p, av - yv);
                        }
                    }
                }
                colLoss[j] = loss;
                colRight[j] = rows == 1
                        ? CpuMath.singleOutputCorrect(Mem.get(a, base), Mem.get(y, base))
                        : argA >= 0 && argA == argY;
            }
        }

        /** Adds the columns' costs (in column order) and correct predictions to the metrics, once all parts are done. */
        void finish() {
            double loss = 0;
            int correct = 0;
            for (int j = 0; j < m; j++) {
                loss += colLoss[j];
                if (colRight[j]) correct++;
            }
            metrics.add(loss, correct, m);
        }

        @Override
        void access(int part, Access acc) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            acc.read(z, rows, 0, rows, c0, c1);
            acc.read(a, rows, 0, rows, c0, c1);
            acc.read(y, rows, 0, rows, c0, c1);
            if (delta != 0) acc.write(delta, rows, 0, rows, c0, c1);
        }

        @Override
        Task copy() { // its own per-column scratch
            Task t = (Task) super.copy();
            t.colLoss = new double[m];
            t.colRight = new boolean[m];
            return t;
        }

        @Override
        String name() {
            return "output error " + rows + "×" + m;
        }
    }
}
