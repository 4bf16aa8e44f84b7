package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.model.Activation;
import java.util.List;

/**
 * Launcher for kernels/activations.cu: bias + activation forward, activation derivative backward.
 * When the output block (a, delta) has a bfloat16 copy, the kernel writes it too.
 */
final class ActivationKernels {
    static final Kernel.Signature BIAS_ACTIVATION = Kernel.Signature.of(
            "bias_activation", "i32 act, f32 alpha, ptr z, ptr bias, ptr a, ptr a16, i32 rows, i64 n");
    static final Kernel.Signature BIAS_SOFTMAX =
            Kernel.Signature.of("bias_softmax", "ptr z, ptr bias, ptr a, ptr a16, i32 rows, i32 m");
    static final Kernel.Signature ACTIVATION_BACKWARD = Kernel.Signature.of(
            "activation_backward", "i32 act, f32 alpha, ptr z, ptr a, ptr delta, ptr delta16, i64 n");
    /** The kernels of activations.cu (a16, delta16: the bfloat16 copy, may be null). */
    static final List<Kernel.Signature> KERNELS = List.of(BIAS_ACTIVATION, BIAS_SOFTMAX, ACTIVATION_BACKWARD);

    private final CudaDevice device;
    private final Kernel biasActivation;
    private final Kernel biasSoftmax;
    private final Kernel backward;

    ActivationKernels(CudaDevice device) {
        this.device = device;
        biasActivation = device.kernel(BIAS_ACTIVATION);
        biasSoftmax = device.kernel(BIAS_SOFTMAX);
        backward = device.kernel(ACTIVATION_BACKWARD);
    }

    /** z[:, j] += bias, a[:, j] = σ(z[:, j]) for j < m. */
    void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        OpsChecks.biasActivation(act, z, bias, a, m);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "biasActivation z");
        DeviceBlock db = DeviceBlock.of(bias.block(), device, "biasActivation bias");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "biasActivation a");
        long n = (long) z.rows() * m;
        if (n == 0) return;
        if (act.kind() == Activation.Kind.SOFTMAX) { // one warp per column: max, Σ e^(z−max), normalise
            forward(biasSoftmax.args, 0, dz, db, da, z.rows()).i32(5, m);
            biasSoftmax.perColumn(m);
        } else {
            biasActivation.args.i32(0, act.kind().code).f32(1, (float) act.alpha());
            forward(biasActivation.args, 2, dz, db, da, z.rows()).i64(7, n);
            biasActivation.linear(n);
        }
    }

    /** The slots bias_activation and bias_softmax share, from {@code at} on: z, bias, a, a16, rows. */
    private static KernelArgs forward(
            KernelArgs args, int at, DeviceBlock z, DeviceBlock bias, DeviceBlock a, int rows) {
        return args.pointer(at, z.address())
                .pointer(at + 1, bias.address())
                .pointer(at + 2, a.address())
                .pointer(at + 3, a.bf16Address())
                .i32(at + 4, rows);
    }

    /** delta ⊙= σ′(z) for the first m columns (a = σ(z)). */
    void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        OpsChecks.activationBackward(act, z, a, delta, m);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "activationBackward z");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "activationBackward a");
        DeviceBlock dd = DeviceBlock.of(delta.block(), device, "activationBackward delta");
        long n = (long) z.rows() * m;
        if (n == 0) return;
        backward.args.i32(0, act.kind().code).f32(1, (float) act.alpha());
        backward.args
                .pointer(2, dz.address())
                .pointer(3, da.address())
                .pointer(4, dd.address())
                .pointer(5, dd.bf16Address())
                .i64(6, n);
        backward.linear(n);
    }
}
