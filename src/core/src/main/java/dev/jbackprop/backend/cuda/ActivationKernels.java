package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.model.Activation;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * Launcher for kernels/activations.cu: bias + activation forward, activation derivative backward.
 * When the output block (a, delta) has a bfloat16 copy, the kernel writes it too.
 */
final class ActivationKernels {
    static final String BIAS_ACTIVATION = "bias_activation";
    static final String BIAS_SOFTMAX = "bias_softmax";
    static final String ACTIVATION_BACKWARD = "activation_backward";
    static final String[] KERNELS = {BIAS_ACTIVATION, BIAS_SOFTMAX, ACTIVATION_BACKWARD};
    /** Parameter types of each kernel, in order (checked against the PTX by a test). */
    static final Map<String, String> SIGNATURES = Map.of(
            BIAS_ACTIVATION, "i32 f32 ptr ptr ptr ptr i32 i64", // act, alpha, z, bias, a, a16 (may be null), rows, n
            BIAS_SOFTMAX, "ptr ptr ptr ptr i32 i32", // z, bias, a, a16 (may be null), rows, m
            ACTIVATION_BACKWARD, "i32 f32 ptr ptr ptr ptr i64"); // act, alpha, z, a, delta, delta16 (may be null), n

    private final CudaDevice device;
    private final CUfunction biasActivation;
    private final CUfunction biasSoftmax;
    private final CUfunction backward;
    private final KernelArgs biasActivationArgs = new KernelArgs(SIGNATURES.get(BIAS_ACTIVATION));
    private final KernelArgs biasSoftmaxArgs = new KernelArgs(SIGNATURES.get(BIAS_SOFTMAX));
    private final KernelArgs backwardArgs = new KernelArgs(SIGNATURES.get(ACTIVATION_BACKWARD));

    ActivationKernels(CudaDevice device) {
        this.device = device;
        biasActivation = device.function(BIAS_ACTIVATION);
        biasSoftmax = device.function(BIAS_SOFTMAX);
        backward = device.function(ACTIVATION_BACKWARD);
    }

    /** z[:, j] += bias, a[:, j] = σ(z[:, j]) for j < m. */
    void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        OpsChecks.biasActivation(act, z, bias, a, m);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "biasActivation z");
        DeviceBlock db = DeviceBlock.of(bias.block(), device, "biasActivation bias");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "biasActivation a");
        long n = (long) z.rows() * m;
        if (n == 0) return;
        if (act.kind() == Activation.Kind.SOFTMAX) {
            biasSoftmaxArgs
                    .pointer(0, dz.address())
                    .pointer(1, db.address())
                    .pointer(2, da.address())
                    .pointer(3, da.bf16Address())
                    .i32(4, z.rows())
                    .i32(5, m);
            int grid = Grid.blocks(m, Grid.COLUMN_WARPS, Grid.maxBlocks(device.multiprocessors));
            JCudaDriver.cuLaunchKernel(
                    biasSoftmax,
                    grid,
                    1,
                    1,
                    32 * Grid.COLUMN_WARPS,
                    1,
                    1,
                    0,
                    device.stream,
                    biasSoftmaxArgs.params(),
                    null);
            device.launched(BIAS_SOFTMAX);
        } else {
            biasActivationArgs
                    .i32(0, act.kind().code)
                    .f32(1, (float) act.alpha())
                    .pointer(2, dz.address())
                    .pointer(3, db.address())
                    .pointer(4, da.address())
                    .pointer(5, da.bf16Address())
                    .i32(6, z.rows())
                    .i64(7, n);
            int grid = Grid.blocks(n, Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
            JCudaDriver.cuLaunchKernel(
                    biasActivation, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, biasActivationArgs.params(), null);
            device.launched(BIAS_ACTIVATION);
        }
    }

    /** delta ⊙= σ′(z) for the first m columns (a = σ(z)). */
    void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        OpsChecks.activationBackward(act, z, a, delta, m);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "activationBackward z");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "activationBackward a");
        DeviceBlock dd = DeviceBlock.of(delta.block(), device, "activationBackward delta");
        long n = (long) z.rows() * m;
        if (n == 0) return;
        backwardArgs
                .i32(0, act.kind().code)
                .f32(1, (float) act.alpha())
                .pointer(2, dz.address())
                .pointer(3, da.address())
                .pointer(4, dd.address())
                .pointer(5, dd.bf16Address())
                .i64(6, n);
        int grid = Grid.blocks(n, Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
        JCudaDriver.cuLaunchKernel(
                backward, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, backwardArgs.params(), null);
        device.launched(ACTIVATION_BACKWARD);
    }
}
