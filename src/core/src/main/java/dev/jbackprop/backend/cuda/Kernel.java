package dev.jbackprop.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.CudaException;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of kernels/*.cu, bound to a device: its {@link Signature} (name and named, typed
 * parameters), its function in the loaded module, its argument slots ({@link KernelArgs}), and the
 * two launch shapes the kernels use. The one place a kernel is launched: a launcher fills
 * {@link #args} and calls {@link #linear} or {@link #perColumn}. A launch allocates nothing; a
 * failed one (and, in debug mode, a kernel that faults) throws a {@link GpuException} naming the
 * kernel, the launch shape and every argument's value.
 */
final class Kernel {
    /**
     * A kernel's name and parameters, as "type name" pairs in order, e.g. {@code "ptr src, ptr dst,
     * i64 n"}. The types are {@link KernelArgs.Type}s; KernelArgsTest checks them against the PTX.
     */
    record Signature(String name, List<KernelArgs.Type> types, List<String> parameters) {
        Signature {
            types = List.copyOf(types);
            parameters = List.copyOf(parameters);
            if (types.size() != parameters.size())
                throw new IllegalArgumentException(name + ": " + types.size() + " types, " + parameters + " names");
        }

        static Signature of(String name, String params) {
            List<KernelArgs.Type> types = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (String p : params.split(",")) {
                String[] typeAndName = p.trim().split("\\s+");
                if (typeAndName.length != 2)
                    throw new IllegalArgumentException(name + ": parameter '" + p.trim() + "' is not 'type name'");
                types.add(KernelArgs.Type.valueOf(typeAndName[0].toUpperCase(Locale.ROOT)));
                names.add(typeAndName[1]);
            }
            return new Signature(name, types, names);
        }

        /** The types alone, "i32 f32 ptr": what {@link KernelArgs} is built from. */
        String typeList() {
            StringBuilder s = new StringBuilder();
            for (KernelArgs.Type t : types)
                s.append(s.length() == 0 ? "" : " ").append(t.name().toLowerCase(Locale.ROOT));
            return s.toString();
        }
    }

    final Signature signature;
    /** The argument slots: fill them before each launch (the driver copies them at launch). */
    final KernelArgs args;

    private final CudaDevice device;
    private final CUfunction function;
    private final int maxBlocks;
    private int lastGrid, lastBlock;

    Kernel(CudaDevice device, Signature signature, CUfunction function) {
        this.device = device;
        this.signature = signature;
        this.function = function;
        this.args = new KernelArgs(signature.typeList());
        this.maxBlocks = Grid.maxBlocks(device.multiprocessors);
        // the kernels' row walk (kernels/elementwise.cuh) keeps a thread's first index and the stride in 32 bits
        if ((long) maxBlocks * Grid.BLOCK > Integer.MAX_VALUE)
            throw new IllegalStateException(maxBlocks + " blocks of " + Grid.BLOCK + " threads exceed 2^31");
    }

    /** Grid-stride over {@code n} elements: blocks of {@link Grid#BLOCK} threads, at most {@link Grid#maxBlocks}. */
    void linear(long n) {
        launch(Grid.blocks(n, Grid.BLOCK, maxBlocks), Grid.BLOCK);
    }

    /** One warp per column over {@code m} columns: blocks of {@link Grid#COLUMN_WARPS} warps. */
    void perColumn(int m) {
        launch(Grid.blocks(m, Grid.COLUMN_WARPS, maxBlocks), 32 * Grid.COLUMN_WARPS);
    }

    private void launch(int grid, int block) {
        lastGrid = grid;
        lastBlock = block;
        try {
            JCudaDriver.cuLaunchKernel(function, grid, 1, 1, block, 1, 1, 0, device.stream, args.params(), null);
        } catch (CudaException e) {
            throw device.failure("kernel " + signature.name(), this, e);
        }
        device.launched(signature.name(), this);
    }

    /** "grid 132 × 256: act=2 alpha=0.0 z=0x7f2a00000000 …": the last launch, for error messages. */
    @Override
    public String toString() {
        return "grid " + lastGrid + " × " + lastBlock + ": " + args.describe(signature.parameters());
    }
}
