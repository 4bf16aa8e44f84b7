package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What of the CUDA backend's argument handling can be tested without a GPU. */
class ShapeCheckTest {

    /**
     * The argument rules are OpsChecks', tested on the CPU by the contract suite; this checks, without
     * a GPU, that the CUDA backend calls the check of every operation before its launch or copy (the
     * CUDA contract suite then checks the same refusals on a GPU).
     */
    @Test
    void everyOperationIsCheckedByOpsChecks() throws Exception {
        StringBuilder source = new StringBuilder();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/jbackprop/backend/cuda"))) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) source.append(Files.readString(f));
        }
        for (String check : new String[] {
            "allocate(\"allocate\"",
            "allocate(\"allocateIndices\"",
            "allocate(\"allocateGemmOperands\"",
            "upload(src, srcOffset,",
            "upload(src, d)",
            "download(s, srcOffset,",
            "copyIndices(",
            "gemm(",
            "biasActivation(",
            "activationBackward(",
            "outputError(",
            "sumColumns(",
            "update(",
            "gather(",
            "sumSquares("
        }) {
            assertTrue(source.indexOf("OpsChecks." + check) >= 0, "backend/cuda never calls OpsChecks." + check);
        }
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
