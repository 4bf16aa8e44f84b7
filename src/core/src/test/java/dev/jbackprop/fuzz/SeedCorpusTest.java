package dev.jbackprop.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.data.Idx;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed seeds are valid files, small enough for libFuzzer's default size limit. */
class SeedCorpusTest {
    private static List<Path> seeds(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("(images|labels|net|dtypes).*"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void idxSeedsAreValid() throws IOException {
        List<Path> seeds = seeds(SeedCorpus.IDX);
        assertEquals(7, seeds.size(), seeds.toString());
        for (Path p : seeds) {
            assertTrue(Files.size(p) <= 4096, p.toString());
            if (p.getFileName().toString().startsWith("images"))
                assertTrue(Idx.readImages(p).count() > 0);
            else assertTrue(Idx.readLabels(p, 10).length > 0);
        }
    }

    @Test
    void safeTensorsSeedsAreValid() throws IOException {
        List<Path> seeds = seeds(SeedCorpus.SAFETENSORS);
        assertEquals(4, seeds.size(), seeds.toString());
        for (Path p : seeds) {
            assertTrue(Files.size(p) <= 4096, p.toString());
            assertEquals("pt", SafeTensors.readMetadata(p).get("format"));
            assertTrue(SafeTensors.readTensors(p).size() >= 2);
            if (p.getFileName().toString().startsWith("net")) {
                int[] sizes = ModelFile.readSizes(p);
                assertEquals(
                        ModelFile.read(p, new dev.jbackprop.model.ParamLayout(sizes)).length,
                        new dev.jbackprop.model.ParamLayout(sizes).total());
            }
        }
        assertArrayEquals(
                SeedCorpus.dtypes(), Files.readAllBytes(SeedCorpus.SAFETENSORS.resolve("dtypes.safetensors")));
    }
}
