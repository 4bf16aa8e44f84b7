package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.io.CheckpointDir;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same options, seed and threads give the same bytes, in separate JVMs (a JVM salts the iteration order of
 * its immutable maps, which is how metadata order used to differ between runs): model.safetensors, every
 * checkpoint and config.json compare equal byte for byte, and every safetensors header keeps its metadata sorted.
 */
class DeterministicBytesTest {
    @TempDir
    Path tmp;

    @Test
    void twoJvmsWriteTheSameBytes() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        List<Path> runs = new ArrayList<>();
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("run" + i);
            runs.add(out);
            children.add(Child.start(
                    tmp.resolve("run" + i + ".log"),
                    "train",
                    "--data",
                    data.toString(),
                    "--layers",
                    "16,24,10",
                    "--batch",
                    "8",
                    "--epochs",
                    "3",
                    "--checkpoint-every",
                    "7",
                    "--backend",
                    "cpu",
                    "--threads",
                    "1",
                    "--no-progress",
                    "--out",
                    out.toString()));
        }
        for (Child c : children) assertEquals(0, c.waitFor(120), c::toString);
        List<String> compared = new ArrayList<>(List.of("model.safetensors", "config.json"));
        for (Path p : CheckpointDir.list(runs.get(0).resolve("checkpoints")))
            compared.add("checkpoints/" + p.getFileName());
        assertEquals(2 + CheckpointDir.KEEP, compared.size(), compared.toString());
        for (String name : compared) {
            byte[] a = Files.readAllBytes(runs.get(0).resolve(name)),
                    b = Files.readAllBytes(runs.get(1).resolve(name));
            assertArrayEquals(a, b, name + " differs between two identical runs");
            if (name.endsWith(".safetensors")) assertSortedMetadata(name, a);
        }
        System.out.println("identical bytes in two JVMs: " + compared);
    }

    static void assertSortedMetadata(String name, byte[] file) throws Exception {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode meta = new ObjectMapper()
                .readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8))
                .get("__metadata__");
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = meta.fieldNames(); it.hasNext(); ) keys.add(it.next());
        String[] sorted = keys.toArray(String[]::new);
        Arrays.sort(sorted);
        assertEquals(Arrays.asList(sorted), keys, name + ": metadata in sorted order");
        assertTrue(keys.contains("jbackprop_trained") || keys.contains("jbackprop_checkpoint"), keys.toString());
    }
}
