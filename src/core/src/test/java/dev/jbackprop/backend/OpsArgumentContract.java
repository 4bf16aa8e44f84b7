package dev.jbackprop.backend;

import static dev.jbackprop.backend.OpsSupport.SENTINEL;
import static dev.jbackprop.backend.OpsSupport.assertBits;
import static dev.jbackprop.backend.OpsSupport.constant;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The argument rules of the Ops contract (OpsChecks), held against a real backend: every call here
 * that breaks a rule is refused with the documented exception, a message that names the operation,
 * and nothing written; the calls at the edges of the rules are accepted. Among them the rules on which
 * the backends once differed: cross-entropy with a sigmoid output, m &lt; 0 in sumColumns, a GEMM
 * operand with more rows than the product reads, momentum without a velocity block.
 */
public abstract class OpsArgumentContract extends OpsFixture {
    private static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;
    private static final Class<IndexOutOfBoundsException> IOOBE = IndexOutOfBoundsException.class;

    /** Builds a call's arguments (registering its outputs with {@link #out}) and returns the call. */
    @FunctionalInterface
    protected interface Setup {
        Executable build();
    }

    private final List<Block> watched = new ArrayList<>();

    /** An output matrix full of SENTINEL, which a refused call must leave as it is. */
    protected Mat out(int rows, int cols) {
        Mat m = mat(rows, cols, constant(rows * cols, SENTINEL));
        watched.add(m.block());
        return m;
    }

    private static Arguments refuse(String what, Class<? extends RuntimeException> type, String op, Setup setup) {
        return Arguments.of(what, type, op, setup);
    }

    Stream<Arguments> refusals() {
        Cost q = Cost.QUADRATIC, ce = Cost.CROSS_ENTROPY, bce = Cost.BINARY_CROSS_ENTROPY;
        Activation sig = Activation.SIGMOID, soft = Activation.SOFTMAX, tanh = Activation.TANH;
        return Stream.of(
                // gemm: C = α·op(A)·op(B) + β·C, A stored m × k (k × m transposed), B k × n (n × k), C m × n
                refuse("gemm: A has a row more than m (the GPU once read its top)", IAE, "gemm", () -> {
                    Mat c = out(2, 2);
                    return () -> ops.gemm(false, false, 2, 2, 3, 1f, mat(3, 3), mat(3, 2), 0f, c);
                }),
                refuse("gemm: A has a column fewer than k", IAE, "gemm", () -> {
                    Mat c = out(2, 2);
                    return () -> ops.gemm(false, false, 2, 2, 3, 1f, mat(2, 2), mat(3, 2), 0f, c);
                }),
                refuse("gemm: B has a row more than k", IAE, "gemm", () -> {
                    Mat c = out(2, 2);
                    return () -> ops.gemm(false, false, 2, 2, 3, 1f, mat(2, 3), mat(4, 2), 0f, c);
                }),
                refuse("gemm: C has a row more than m", IAE, "gemm", () -> {
                    Mat c = out(3, 2);
                    return () -> ops.gemm(false, false, 2, 2, 3, 1f, mat(2, 3), mat(3, 2), 0f, c);
                }),
                refuse("gemm: C has a column fewer than n", IAE, "gemm", () -> {
                    Mat c = out(2, 1);
                    return () -> ops.gemm(false, false, 2, 2, 3, 1f, mat(2, 3), mat(3, 2), 0f, c);
                }),
                refuse("gemm: Aᵀ stored untransposed", IAE, "gemm", () -> {
                    Mat c = out(7, 3);
                    return () -> ops.gemm(true, false, 7, 3, 5, 1f, mat(7, 5), mat(5, 3), 0f, c);
                }),
                refuse("gemm: Bᵀ stored untransposed", IAE, "gemm", () -> {
                    Mat c = out(5, 7);
                    return () -> ops.gemm(false, true, 5, 7, 3, 1f, mat(5, 3), mat(3, 7), 0f, c);
                }),
                refuse("gemm: negative m", IAE, "gemm", () -> {
                    Mat c = out(1, 1);
                    return () -> ops.gemm(false, false, -1, 1, 1, 1f, mat(1, 1), mat(1, 1), 0f, c);
                }),
                refuse("gemm: negative k", IAE, "gemm", () -> {
                    Mat c = out(1, 1);
                    return () -> ops.gemm(false, false, 1, 1, -1, 1f, mat(1, 1), mat(1, 1), 0f, c);
                }),
                // bias + activation
                refuse("biasActivation: m above the capacity", IAE, "biasActivation", () -> {
                    Mat a = out(10, 8);
                    return () -> ops.biasActivation(tanh, mat(10, 8), mat(10, 1), a, 9);
                }),
                refuse("biasActivation: negative m", IAE, "biasActivation", () -> {
                    Mat a = out(10, 8);
                    return () -> ops.biasActivation(tanh, mat(10, 8), mat(10, 1), a, -1);
                }),
                refuse("biasActivation: a bias too short", IAE, "biasActivation", () -> {
                    Mat a = out(10, 8);
                    return () -> ops.biasActivation(tanh, mat(10, 8), mat(9, 1), a, 8);
                }),
                refuse("biasActivation: a bias too long", IAE, "biasActivation", () -> {
                    Mat a = out(10, 8);
                    return () -> ops.biasActivation(tanh, mat(10, 8), mat(11, 1), a, 8);
                }),
                refuse("biasActivation: a of another capacity", IAE, "biasActivation", () -> {
                    Mat a = out(10, 7);
                    return () -> ops.biasActivation(tanh, mat(10, 8), mat(10, 1), a, 5);
                }),
                refuse("biasActivation: a with other rows", IAE, "biasActivation", () -> {
                    Mat a = out(9, 8);
                    return () -> ops.biasActivation(soft, mat(10, 8), mat(10, 1), a, 5);
                }),
                // derivative
                refuse("activationBackward: softmax", IAE, "activationBackward", () -> {
                    Mat d = out(3, 2);
                    return () -> ops.activationBackward(soft, mat(3, 2), mat(3, 2), d, 2);
                }),
                refuse("activationBackward: delta transposed", IAE, "activationBackward", () -> {
                    Mat d = out(8, 10);
                    return () -> ops.activationBackward(tanh, mat(10, 8), mat(10, 8), d, 3);
                }),
                refuse("activationBackward: a of another capacity", IAE, "activationBackward", () -> {
                    Mat d = out(10, 8);
                    return () -> ops.activationBackward(tanh, mat(10, 8), mat(10, 9), d, 3);
                }),
                refuse("activationBackward: m above the capacity", IAE, "activationBackward", () -> {
                    Mat d = out(10, 8);
                    return () -> ops.activationBackward(tanh, mat(10, 8), mat(10, 8), d, 9);
                }),
                // output error
                refuse(
                        "outputError: cross-entropy with a sigmoid output (the CPU once took it)",
                        IAE,
                        "outputError",
                        () -> {
                            Mat d = out(4, 2);
                            return () -> ops.outputError(ce, sig, mat(4, 2), mat(4, 2), mat(4, 2), d, 2, metrics());
                        }),
                refuse("outputError: binary cross-entropy with tanh", IAE, "outputError", () -> {
                    Mat d = out(4, 2);
                    return () -> ops.outputError(bce, tanh, mat(4, 2), mat(4, 2), mat(4, 2), d, 2, metrics());
                }),
                refuse("outputError: quadratic with softmax", IAE, "outputError", () -> {
                    Mat d = out(4, 2);
                    return () -> ops.outputError(q, soft, mat(4, 2), mat(4, 2), mat(4, 2), d, 2, metrics());
                }),
                refuse("outputError: y with other rows", IAE, "outputError", () -> {
                    Mat d = out(10, 8);
                    return () -> ops.outputError(bce, sig, mat(10, 8), mat(10, 8), mat(9, 8), d, 8, metrics());
                }),
                refuse("outputError: delta of another capacity", IAE, "outputError", () -> {
                    Mat d = out(10, 7);
                    return () -> ops.outputError(bce, sig, mat(10, 8), mat(10, 8), mat(10, 8), d, 4, metrics());
                }),
                refuse("outputError: negative m", IAE, "outputError", () -> {
                    Mat d = out(10, 8);
                    return () -> ops.outputError(bce, sig, mat(10, 8), mat(10, 8), mat(10, 8), d, -1, metrics());
                }),
                refuse("outputError: m above the capacity", IAE, "outputError", () -> {
                    Mat d = out(10, 8);
                    return () -> ops.outputError(q, tanh, mat(10, 8), mat(10, 8), mat(10, 8), d, 9, metrics());
                }),
                refuse("outputError: an output with no rows", IAE, "outputError", () -> {
                    Mat d = mat(0, 3);
                    return () -> ops.outputError(q, tanh, mat(0, 3), mat(0, 3), mat(0, 3), d, 3, metrics());
                }),
                // bias gradient
                refuse("sumColumns: negative m (the CPU once took it)", IAE, "sumColumns", () -> {
                    Mat s = out(5, 1);
                    return () -> ops.sumColumns(mat(5, 9), -1, s);
                }),
                refuse("sumColumns: m above the capacity", IAE, "sumColumns", () -> {
                    Mat s = out(5, 1);
                    return () -> ops.sumColumns(mat(5, 9), 10, s);
                }),
                refuse("sumColumns: sums too short", IAE, "sumColumns", () -> {
                    Mat s = out(4, 1);
                    return () -> ops.sumColumns(mat(5, 9), 9, s);
                }),
                refuse("sumColumns: sums too long", IAE, "sumColumns", () -> {
                    Mat s = out(6, 1);
                    return () -> ops.sumColumns(mat(5, 9), 9, s);
                }),
                // update
                refuse("update: gradients of another length", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(99, 1).block(), null, 90, 0.1f, 0f, 1f);
                }),
                refuse("update: a velocity of another length", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(100, 1).block(), mat(99, 1).block(), 90, 0.1f, 0.5f, 1f);
                }),
                refuse("update: momentum without a velocity (the CPU once dropped the momentum)", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(100, 1).block(), null, 90, 0.1f, 0.9f, 1f);
                }),
                refuse("update: more weights than parameters", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(100, 1).block(), null, 101, 0.1f, 0f, 1f);
                }),
                refuse("update: negative weightCount", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(100, 1).block(), null, -1, 0.1f, 0f, 1f);
                }),
                refuse("update: NaN momentum", IAE, "update", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.update(p, mat(100, 1).block(), mat(100, 1).block(), 50, 0.1f, Float.NaN, 1f);
                }),
                // optimiser steps
                refuse("optimizerStep: adam without its second moment", IAE, "optimizerStep(adam)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.ADAM,
                            p,
                            mat(100, 1).block(),
                            mat(100, 1).block(),
                            null,
                            90,
                            scalars());
                }),
                refuse("optimizerStep: adamw without its first moment", IAE, "optimizerStep(adamw)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.ADAMW,
                            p,
                            mat(100, 1).block(),
                            null,
                            mat(100, 1).block(),
                            90,
                            scalars());
                }),
                refuse("optimizerStep: nesterov without its momentum buffer", IAE, "optimizerStep(nesterov)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.NESTEROV, p, mat(100, 1).block(), null, null, 90, scalars());
                }),
                refuse("optimizerStep: sgd given a second state", IAE, "optimizerStep(sgd)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.SGD,
                            p,
                            mat(100, 1).block(),
                            null,
                            mat(100, 1).block(),
                            90,
                            scalars());
                }),
                refuse("optimizerStep: gradients of another length", IAE, "optimizerStep(adam)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.ADAM,
                            p,
                            mat(99, 1).block(),
                            mat(100, 1).block(),
                            mat(100, 1).block(),
                            90,
                            scalars());
                }),
                refuse("optimizerStep: a state block of another length", IAE, "optimizerStep(adam)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.ADAM,
                            p,
                            mat(100, 1).block(),
                            mat(100, 1).block(),
                            mat(101, 1).block(),
                            90,
                            scalars());
                }),
                refuse("optimizerStep: a scalars block too short", IAE, "optimizerStep(nesterov)", () -> {
                    Block p = out(100, 1).block();
                    return () -> ops.optimizerStep(
                            Optimizer.Kind.NESTEROV,
                            p,
                            mat(100, 1).block(),
                            mat(100, 1).block(),
                            null,
                            90,
                            mat(UpdateScalars.COUNT - 1, 1).block());
                }),
                refuse("optimizerStep: more weights than parameters", IAE, "optimizerStep(sgd)", () -> {
                    Block p = out(100, 1).block();
                    return () ->
                            ops.optimizerStep(Optimizer.Kind.SGD, p, mat(100, 1).block(), null, null, 101, scalars());
                }),
                refuse("setScalars: more than the block holds", IAE, "setScalars", () -> {
                    Block d = out(3, 1).block();
                    return () -> ops.setScalars(d, new float[4]);
                }),
                refuse("setScalars: more than MAX_SCALARS", IAE, "setScalars", () -> {
                    Block d = out(40, 1).block();
                    return () -> ops.setScalars(d, new float[Ops.MAX_SCALARS + 1]);
                }),
                // gather and index copies
                refuse("gather: indices past the index block", IAE, "gather", () -> {
                    Mat d = out(7, 16);
                    IndexBlock idx = indices(100);
                    return () -> ops.gather(mat(7, 100), idx, 90, 11, d);
                }),
                refuse("gather: negative offset", IAE, "gather", () -> {
                    Mat d = out(7, 16);
                    IndexBlock idx = indices(100);
                    return () -> ops.gather(mat(7, 100), idx, -1, 10, d);
                }),
                refuse("gather: m above the capacity", IAE, "gather", () -> {
                    Mat d = out(7, 16);
                    IndexBlock idx = indices(100);
                    return () -> ops.gather(mat(7, 100), idx, 0, 17, d);
                }),
                refuse("gather: dst with other rows", IAE, "gather", () -> {
                    Mat d = out(6, 16);
                    IndexBlock idx = indices(100);
                    return () -> ops.gather(mat(7, 100), idx, 0, 10, d);
                }),
                refuse("copyIndices: past the source", IAE, "copyIndices", () -> {
                    IndexBlock s = indices(10), d = indices(10);
                    return () -> ops.copyIndices(s, 5, 6, d);
                }),
                refuse("copyIndices: more than the destination holds", IAE, "copyIndices", () -> {
                    IndexBlock s = indices(10), d = indices(3);
                    return () -> ops.copyIndices(s, 0, 4, d);
                }),
                refuse("copyIndices: negative m", IAE, "copyIndices", () -> {
                    IndexBlock s = indices(10), d = indices(3);
                    return () -> ops.copyIndices(s, 0, -1, d);
                }),
                refuse("upload: more indices than the block holds", IAE, "upload", () -> {
                    IndexBlock d = indices(3);
                    return () -> ops.upload(new int[4], d);
                }),
                // copies between host and blocks
                refuse("upload: past the block", IOOBE, "upload", () -> {
                    Block d = out(10, 1).block();
                    return () -> ops.upload(new float[10], 0, d, 5, 6);
                }),
                refuse("upload: past the host array", IOOBE, "upload", () -> {
                    Block d = out(10, 1).block();
                    return () -> ops.upload(new float[10], 5, d, 0, 6);
                }),
                refuse("upload: negative length", IOOBE, "upload", () -> {
                    Block d = out(10, 1).block();
                    return () -> ops.upload(new float[10], 0, d, 0, -1);
                }),
                refuse("upload: negative block offset", IOOBE, "upload", () -> {
                    Block d = out(10, 1).block();
                    return () -> ops.upload(new float[10], 0, d, -1, 2);
                }),
                refuse("download: past the block", IOOBE, "download", () -> {
                    Block s = mat(10, 1).block();
                    return () -> ops.download(s, 8, new float[10], 0, 3);
                }),
                refuse("download: past the host array", IOOBE, "download", () -> {
                    Block s = mat(10, 1).block();
                    return () -> ops.download(s, 0, new float[10], 8, 3);
                }),
                // uint8 and one-hot gathers
                refuse("gatherBytes: dst with other rows", IAE, "gatherBytes", () -> {
                    Mat d = out(6, 10);
                    ByteMat x = bytes(7, 20, new byte[140]);
                    IndexBlock idx = indices(10);
                    return () -> ops.gatherBytes(x, idx, 0, 10, null, null, d);
                }),
                refuse("gatherBytes: a shift without a factor", IAE, "gatherBytes", () -> {
                    Mat d = out(7, 10);
                    ByteMat x = bytes(7, 20, new byte[140]);
                    IndexBlock idx = indices(10);
                    Mat sh = mat(7, 1);
                    return () -> ops.gatherBytes(x, idx, 0, 10, sh, null, d);
                }),
                refuse("gatherBytes: a shift of another length", IAE, "gatherBytes", () -> {
                    Mat d = out(7, 10);
                    ByteMat x = bytes(7, 20, new byte[140]);
                    IndexBlock idx = indices(10);
                    Mat sh = mat(6, 1), fa = mat(7, 1);
                    return () -> ops.gatherBytes(x, idx, 0, 10, sh, fa, d);
                }),
                refuse("gatherBytes: indices past the index block", IAE, "gatherBytes", () -> {
                    Mat d = out(7, 16);
                    ByteMat x = bytes(7, 20, new byte[140]);
                    IndexBlock idx = indices(10);
                    return () -> ops.gatherBytes(x, idx, 5, 6, null, null, d);
                }),
                refuse("gatherBytes: m above the capacity", IAE, "gatherBytes", () -> {
                    Mat d = out(7, 8);
                    ByteMat x = bytes(7, 20, new byte[140]);
                    IndexBlock idx = indices(10);
                    return () -> ops.gatherBytes(x, idx, 0, 9, null, null, d);
                }),
                refuse("gatherOneHot: dst without rows", IAE, "gatherOneHot", () -> {
                    Mat d = mat(0, 4);
                    IndexBlock lab = indices(10), idx = indices(10);
                    return () -> ops.gatherOneHot(lab, idx, 0, 4, d);
                }),
                refuse("gatherOneHot: indices past the index block", IAE, "gatherOneHot", () -> {
                    Mat d = out(3, 16);
                    IndexBlock lab = indices(10), idx = indices(10);
                    return () -> ops.gatherOneHot(lab, idx, 8, 3, d);
                }),
                refuse("gatherOneHot: m above the capacity", IAE, "gatherOneHot", () -> {
                    Mat d = out(3, 4);
                    IndexBlock lab = indices(10), idx = indices(10);
                    return () -> ops.gatherOneHot(lab, idx, 0, 5, d);
                }),
                refuse("upload: bytes past the byte block", IOOBE, "upload", () -> {
                    ByteMat x = bytes(2, 3, new byte[6]);
                    return () -> ops.upload(new byte[10], 0, x.block(), 2, 5);
                }),
                refuse("allocateBytes: a negative length", IAE, "allocateBytes", () -> () -> ops.allocateBytes(-1)),
                // sums of squares
                refuse("sumSquares: a segment past the block", IAE, "sumSquares", () -> {
                    Block b = mat(6, 1).block();
                    return () -> ops.sumSquares(b, new long[] {5}, new long[] {2}, new double[1]);
                }),
                refuse("sumSquares: a negative length", IAE, "sumSquares", () -> {
                    Block b = mat(6, 1).block();
                    return () -> ops.sumSquares(b, new long[] {1}, new long[] {-1}, new double[1]);
                }),
                refuse("sumSquares: fewer lengths than offsets", IAE, "sumSquares", () -> {
                    Block b = mat(6, 1).block();
                    return () -> ops.sumSquares(b, new long[] {0, 1}, new long[] {1}, new double[2]);
                }),
                refuse("sumSquares: fewer outputs than segments", IAE, "sumSquares", () -> {
                    Block b = mat(6, 1).block();
                    return () -> ops.sumSquares(b, new long[] {0, 1}, new long[] {1, 1}, new double[1]);
                }),
                // allocation
                refuse("allocate: a negative length", IAE, "allocate", () -> () -> ops.allocate(-1)),
                refuse(
                        "allocateIndices: a negative length",
                        IAE,
                        "allocateIndices",
                        () -> () -> ops.allocateIndices(-1)),
                refuse(
                        "allocateGemmOperands: a negative length",
                        IAE,
                        "allocate",
                        () -> () -> ops.allocateGemmOperands(-1)));
    }

    /** A scalars block of the update's numbers (sgd's, η = 0.1). */
    private Block scalars() {
        float[] sc = new float[UpdateScalars.COUNT];
        UpdateScalars.compute(sc, Optimizer.sgd(0.9), 0.1, 0.1, 0, 1, 10, 1);
        Block b = mat(UpdateScalars.COUNT, 1).block();
        ops.upload(sc, 0, b, 0, sc.length);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String what, Class<? extends RuntimeException> type, String op, Setup setup) throws Exception {
        watched.clear();
        Executable call = setup.build();
        List<float[]> before = new ArrayList<>();
        for (Block b : watched) before.add(get(b));
        RuntimeException e = assertThrows(type, call, what);
        assertTrue(e.getMessage() != null && e.getMessage().contains(op), "the message names " + op + ": " + e);
        for (int i = 0; i < watched.size(); i++)
            assertBits(what + ": nothing written", before.get(i), get(watched.get(i)));
    }

    /** The calls at the edges of the rules go through. */
    @Test
    void acceptsTheEdgesOfTheRules() {
        Metrics metrics = metrics();
        // empty batches and products do nothing
        assertDoesNotThrow(() -> ops.gemm(false, false, 0, 3, 2, 1f, mat(0, 2), mat(2, 3), 0f, mat(0, 3)));
        assertDoesNotThrow(() -> ops.gemm(true, true, 3, 0, 2, 1f, mat(2, 3), mat(0, 2), 0f, mat(3, 0)));
        Mat c = out(3, 4);
        ops.gemm(false, false, 3, 4, 0, 1f, mat(3, 0), mat(0, 4), 0.5f, c); // k = 0: C = β·C
        assertBits("k = 0 gives β·C", constant(12, 0.5f * SENTINEL), get(c));
        Mat z = out(4, 3), a = out(4, 3), d = out(4, 3), y = out(4, 3), bias = mat(4, 1);
        ops.biasActivation(Activation.SOFTMAX, z, bias, a, 0);
        ops.activationBackward(Activation.RELU, z, a, d, 0);
        ops.outputError(Cost.CROSS_ENTROPY, Activation.SOFTMAX, z, a, y, d, 0, metrics);
        ops.gather(mat(4, 10), indices(5), 5, 0, d);
        ops.gatherBytes(bytes(4, 10, new byte[40]), indices(5), 5, 0, mat(4, 1), mat(4, 1), d);
        ops.gatherOneHot(indices(5), indices(5), 5, 0, d);
        ops.copyIndices(indices(5), 5, 0, indices(0));
        for (Mat m : new Mat[] {z, a, d}) assertBits("m = 0 writes nothing", constant(12, SENTINEL), get(m));
        assertEquals(0.0, metrics.read()[2]);
        Mat sums = out(4, 1);
        ops.sumColumns(z, 0, sums);
        assertBits("the sum of no columns is 0", new float[4], get(sums));
        // the whole capacity, the whole index block
        ops.biasActivation(Activation.TANH, z, bias, a, 3);
        ops.gather(mat(4, 10), indices(5), 2, 3, d);
        // velocity given with μ = 0 is left alone; all weights or none
        Block p = mat(5, 1).block(), g = mat(5, 1).block(), v = out(5, 1).block();
        ops.update(p, g, v, 5, 0.1f, 0f, 1f);
        ops.update(p, g, v, 0, 0.1f, 0f, 1f);
        assertBits("velocity untouched with μ = 0", constant(5, SENTINEL), get(v));
        // sgd without a velocity (plain SGD), nothing in an empty block
        ops.optimizerStep(Optimizer.Kind.SGD, p, g, null, null, 5, scalars());
        Block none = mat(0, 1).block();
        ops.optimizerStep(Optimizer.Kind.ADAM, none, none, none, none, 0, scalars());
        ops.setScalars(p, new float[0]);
        // copies of nothing, at the very end
        ops.upload(new float[3], 3, p, 5, 0);
        ops.download(p, 5, new float[3], 3, 0);
        ops.upload(new int[0], indices(0));
        ops.sumSquares(p, new long[] {5}, new long[] {0}, new double[1]);
    }
}
