package dev.jbackprop.backend.cpu;

/**
 * The float32 elementwise maths of the CPU backend, one function per formula. The CUDA kernels use
 * the same formulas (kernels/elementwise.cuh); a test compiles that header for the host and compares
 * the two over a grid of inputs including 0, ±tiny, ±large, NaN and ±inf.
 *
 * <p>Activation codes are {@link dev.jbackprop.model.Activation.Kind#code}.
 */
public final class CpuMath {
    private CpuMath() {}

    public static final int SIGMOID = 0, TANH = 1, RELU = 2, LEAKY_RELU = 3, ELU = 4, IDENTITY = 5, SOFTMAX = 6;

    /** σ(z), stable for large |z|. */
    public static float sigmoid(float z) {
        if (z >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }

    /** σ(z) for every activation but softmax. */
    public static float activate(int code, float alpha, float z) {
        switch (code) {
            case SIGMOID:
                return sigmoid(z);
            case TANH:
                return (float) Math.tanh(z);
            case RELU:
                return z > 0f ? z : (z <= 0f ? 0f : z); // NaN propagates
            case LEAKY_RELU:
                return z > 0f ? z : alpha * z;
            case ELU:
                return z > 0f ? z : (z <= 0f ? (float) (alpha * Math.expm1(z)) : z);
            case IDENTITY:
                return z;
            default:
                throw new IllegalArgumentException("no elementwise form for activation code " + code);
        }
    }

    /** σ′(z), given z and a = σ(z). At z = 0 the ReLU family uses the left derivative. */
    public static float derivative(int code, float alpha, float z, float a) {
        switch (code) {
            case SIGMOID:
                return a * sigmoid(-z); // σ(z)·σ(−z): exact where 1 − a would round to 0
            case TANH:
                return 1f - a * a;
            case RELU:
                return z > 0f ? 1f : (z <= 0f ? 0f : z);
            case LEAKY_RELU:
                return z > 0f ? 1f : (z <= 0f ? alpha : z);
            case ELU:
                return z > 0f ? 1f : (z <= 0f ? a + alpha : z);
            case IDENTITY:
                return 1f;
            default:
                throw new IllegalArgumentException("no elementwise derivative for activation code " + code);
        }
    }

    /** log(1 + e^x) without overflow. */
    public static float softplus(float x) {
        return (float) (Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs((double) x))));
    }

    /** ½(a − y)²: one output's quadratic cost. */
    public static float quadraticCost(float a, float y) {
        float d = a - y;
        return 0.5f * d * d;
    }

    /**
     * −[y ln σ(z) + (1 − y) ln(1 − σ(z))], computed from z as softplus(z) − y·z so that it stays finite
     * where σ(z) rounds to 0 or 1.
     */
    public static float binaryCrossEntropyCost(float z, float y) {
        return softplus(z) - y * z;
    }

    /**
     * One step of an argmax: whether entry (v, i) beats the best so far (bv, bi), bi &lt; 0 meaning none.
     * It does when it is not NaN and is larger, or equal with a lower index; so the argmax is the first
     * index of the largest entry that is not NaN, and a column of NaN has none (i = −1), which is never
     * a correct prediction. kernels: jb_argmax_better, which also merges the lanes of a warp.
     */
    public static boolean argmaxBetter(float v, int i, float bv, int bi) {
        if (i < 0 || Float.isNaN(v)) return false;
        if (bi < 0) return true;
        return v > bv || (v == bv && i < bi);
    }

    /**
     * The prediction of a single output (where an argmax is always right): correct when a and y are on
     * the same side of ½, and never when either is NaN. kernels: jb_single_output_correct.
     */
    public static boolean singleOutputCorrect(float a, float y) {
        return !Float.isNaN(a) && !Float.isNaN(y) && (a >= 0.5f) == (y >= 0.5f);
    }
}
