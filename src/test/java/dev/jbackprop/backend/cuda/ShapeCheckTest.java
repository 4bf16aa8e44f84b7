package dev.jbackprop.backend.cuda;

import static dev.jbackprop.backend.cuda.HostBlock.mat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import org.junit.jupiter.api.Test;

/** The launchers' and Gemm's argument checks run before anything touches the GPU, so they are tested here. */
class ShapeCheckTest {

    @Test
    void gemmAcceptsEveryTranspositionOfValidShapes() {
        // forward Z = W·A: 5×7 · 7×(3 live of 4)
        assertDoesNotThrow(() -> Gemm.check(false, false, 5, 3, 7, mat(5, 7), mat(7, 4), mat(5, 4)));
        // backward δ⁻ = Wᵀ·δ: (5×7)ᵀ · 5×3
        assertDoesNotThrow(() -> Gemm.check(true, false, 7, 3, 5, mat(5, 7), mat(5, 4), mat(7, 4)));
        // gradient ∇W = δ·Aᵀ: 5×3 · (7×3)ᵀ, k = live columns
        assertDoesNotThrow(() -> Gemm.check(false, true, 5, 7, 3, mat(5, 4), mat(7, 4), mat(5, 7)));
        assertDoesNotThrow(() -> Gemm.check(true, true, 2, 3, 4, mat(4, 2), mat(3, 4), mat(2, 3)));
        assertDoesNotThrow(() -> Gemm.check(false, false, 0, 0, 0, mat(1, 1), mat(1, 1), mat(1, 1)));
    }

    @Test
    void gemmRejectsOperandsThatAreTooSmall() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.check(false, false, 5, 3, 8, mat(5, 7), mat(8, 4), mat(5, 4)));
        assertTrue(e.getMessage().contains("A must hold at least 5×8"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.check(true, false, 7, 3, 5, mat(7, 5), mat(5, 4), mat(7, 4)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.check(false, true, 5, 7, 3, mat(5, 4), mat(3, 7), mat(5, 7)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.check(false, false, 5, 5, 7, mat(5, 7), mat(7, 4), mat(5, 4)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.check(false, false, -1, 3, 7, mat(5, 7), mat(7, 4), mat(5, 4)));
    }

    @Test
    void activationChecks() {
        Mat z = mat(10, 8), a = mat(10, 8), bias = mat(10, 1);
        assertDoesNotThrow(() -> ActivationKernels.checkForward(z, bias, a, 8));
        assertDoesNotThrow(() -> ActivationKernels.checkForward(z, bias, a, 0));
        assertThrows(IllegalArgumentException.class, () -> ActivationKernels.checkForward(z, bias, a, 9));
        assertThrows(IllegalArgumentException.class, () -> ActivationKernels.checkForward(z, mat(9, 1), a, 8));
        assertThrows(IllegalArgumentException.class, () -> ActivationKernels.checkForward(z, bias, mat(10, 7), 5));
        assertDoesNotThrow(() -> ActivationKernels.checkBackward(Activation.RELU, z, a, mat(10, 8), 3));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ActivationKernels.checkBackward(Activation.SOFTMAX, z, a, mat(10, 8), 3));
        assertTrue(e.getMessage().contains("softmax"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ActivationKernels.checkBackward(Activation.TANH, z, a, mat(8, 10), 3));
    }

    @Test
    void lossChecksTheCostActivationPairAndShapes() {
        Mat z = mat(10, 8);
        assertDoesNotThrow(
                () -> LossKernels.check(Cost.CROSS_ENTROPY, Activation.SOFTMAX, z, mat(10, 8), mat(10, 8), null, 8));
        assertDoesNotThrow(
                () -> LossKernels.check(Cost.QUADRATIC, Activation.TANH, z, mat(10, 8), mat(10, 8), mat(10, 8), 8));
        assertThrows(
                IllegalArgumentException.class,
                () -> LossKernels.check(Cost.CROSS_ENTROPY, Activation.SIGMOID, z, mat(10, 8), mat(10, 8), null, 8));
        assertThrows(
                IllegalArgumentException.class,
                () -> LossKernels.check(Cost.QUADRATIC, Activation.SOFTMAX, z, mat(10, 8), mat(10, 8), null, 8));
        assertThrows(
                IllegalArgumentException.class,
                () -> LossKernels.check(
                        Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID, z, mat(10, 8), mat(9, 8), null, 8));
        assertThrows(
                IllegalArgumentException.class,
                () -> LossKernels.check(
                        Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID, z, mat(10, 8), mat(10, 8), mat(10, 7), 4));
        assertThrows(
                IllegalArgumentException.class,
                () -> LossKernels.check(
                        Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID, z, mat(10, 8), mat(10, 8), null, -1));
    }

    @Test
    void updateChecks() {
        HostBlock p = new HostBlock(100), g = new HostBlock(100), v = new HostBlock(100);
        assertDoesNotThrow(() -> UpdateKernels.check(p, g, null, 90, 0f));
        assertDoesNotThrow(() -> UpdateKernels.check(p, g, v, 100, 0.9f));
        assertThrows(IllegalArgumentException.class, () -> UpdateKernels.check(p, g, null, 90, 0.9f));
        assertThrows(IllegalArgumentException.class, () -> UpdateKernels.check(p, new HostBlock(99), null, 90, 0f));
        assertThrows(IllegalArgumentException.class, () -> UpdateKernels.check(p, g, new HostBlock(99), 90, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> UpdateKernels.check(p, g, null, 101, 0f));
        assertThrows(IllegalArgumentException.class, () -> UpdateKernels.check(p, g, v, 50, Float.NaN));
    }

    @Test
    void gatherChecks() {
        assertDoesNotThrow(() -> GatherKernels.check(mat(784, 1000), 1000, 900, 100, mat(784, 128)));
        assertThrows(
                IllegalArgumentException.class,
                () -> GatherKernels.check(mat(784, 1000), 1000, 901, 100, mat(784, 128)));
        assertThrows(
                IllegalArgumentException.class, () -> GatherKernels.check(mat(784, 1000), 1000, -1, 10, mat(784, 128)));
        assertThrows(
                IllegalArgumentException.class, () -> GatherKernels.check(mat(784, 1000), 1000, 0, 129, mat(784, 128)));
        assertThrows(
                IllegalArgumentException.class, () -> GatherKernels.check(mat(784, 1000), 1000, 0, 10, mat(783, 128)));
    }

    @Test
    void foreignBlocksAreRejectedBeforeAnyDeviceCall() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DeviceBlock.of(new HostBlock(4), null, "gemm A"));
        assertTrue(e.getMessage().startsWith("gemm A: expected a block allocated by the cuda backend"), e.getMessage());
    }

    @Test
    void gridIsCeilingCappedAndNeverZero() {
        assertEquals(1, Grid.blocks(1, 256, 100));
        assertEquals(1, Grid.blocks(256, 256, 100));
        assertEquals(2, Grid.blocks(257, 256, 100));
        assertEquals(100, Grid.blocks(1L << 40, 256, 100));
        assertEquals(132 * Grid.BLOCKS_PER_SM, Grid.maxBlocks(132));
        assertThrows(IllegalArgumentException.class, () -> Grid.blocks(0, 256, 100));
    }
}
