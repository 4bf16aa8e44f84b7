package dev.jbackprop.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {5, 4, 3});

    @TempDir
    Path dir;

    static float[] values(long seed) {
        Random r = new Random(seed);
        float[] p = new float[(int) LAYOUT.total()];
        for (int i = 0; i < p.length; i++) p[i] = (float) r.nextGaussian();
        return p;
    }

    static TrainingSnapshot snapshot(long step, boolean momentum) {
        TrainingState st = new TrainingState(2, 3, step, -0x123456789abcdefL, 12.345678901234567, 17, 40);
        return new TrainingSnapshot(st, values(step), momentum ? values(step + 1000) : null);
    }

    @Test
    void roundTripsEverythingExactly() throws Exception {
        TrainingSnapshot s = snapshot(42, true);
        s.params()[0] = -0f;
        s.params()[1] = Float.MIN_VALUE;
        Path f = dir.resolve(CheckpointDir.fileName(42));
        Checkpoint.write(f, LAYOUT, s, "{\"eta\":0.1}", Map.of("extra", "x"));
        Checkpoint.Loaded c = Checkpoint.read(f);
        assertEquals(s.state(), c.state());
        assertArrayEquals(s.params(), c.snapshot().params());
        assertArrayEquals(s.velocity(), c.snapshot().velocity());
        assertEquals(
                Float.floatToRawIntBits(-0f),
                Float.floatToRawIntBits(c.snapshot().params()[0]));
        assertEquals("{\"eta\":0.1}", c.config());
        assertEquals("x", c.metadata().get("extra"));
        assertArrayEquals(LAYOUT.sizes(), c.layout().sizes());
        // the weights are stored in the model file's layout (PyTorch nn.Linear): the model reader takes them
        Map<String, SafeTensors.Tensor> t = SafeTensors.readTensors(f);
        assertEquals(
                List.of(
                        "layers.0.weight",
                        "layers.0.bias",
                        "layers.1.weight",
                        "layers.1.bias",
                        "momentum_buffer.layers.0.weight",
                        "momentum_buffer.layers.0.bias",
                        "momentum_buffer.layers.1.weight",
                        "momentum_buffer.layers.1.bias"),
                new ArrayList<>(t.keySet()));
        assertEquals(
                s.params()[(int) LAYOUT.w(1, 2, 3)], t.get("layers.1.weight").data()[2 * 4 + 3]);
        assertEquals(
                s.velocity()[(int) LAYOUT.b(0, 1)],
                t.get("momentum_buffer.layers.0.bias").data()[1]);
    }

    @Test
    void withoutMomentum() throws Exception {
        TrainingSnapshot s = snapshot(7, false);
        Path f = dir.resolve(CheckpointDir.fileName(7));
        Checkpoint.write(f, LAYOUT, s, "{}", null);
        Checkpoint.Loaded c = Checkpoint.read(f);
        assertNull(c.snapshot().velocity());
        assertArrayEquals(s.params(), c.snapshot().params());
    }

    @Test
    void refusesNonFiniteParameters() {
        TrainingSnapshot s = snapshot(1, false);
        s.params()[3] = Float.NaN;
        assertThrows(
                IllegalArgumentException.class,
                () -> Checkpoint.write(dir.resolve(CheckpointDir.fileName(1)), LAYOUT, s, "{}", null));
        assertTrue(Files.notExists(dir.resolve(CheckpointDir.fileName(1))));
    }

    /** Any single flipped bit, in the header or the data, is caught (by the checksum or the parser). */
    @Test
    void detectsEverySingleBitFlip() throws Exception {
        Path f = dir.resolve(CheckpointDir.fileName(42));
        Checkpoint.write(f, LAYOUT, snapshot(42, true), "{\"eta\":0.1}", null);
        byte[] good = Files.readAllBytes(f);
        Random r = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bad = good.clone();
            int at = r.nextInt(good.length);
            bad[at] ^= (byte) (1 << r.nextInt(8));
            Files.write(f, bad);
            assertThrows(
                    BadFileException.class, () -> Checkpoint.read(f), "bit flip at byte " + at + " of " + good.length);
        }
        Files.write(f, good);
        Checkpoint.read(f);
    }

    @Test
    void rejectsTruncatedFilesAtEveryLength() throws Exception {
        Path f = dir.resolve(CheckpointDir.fileName(42));
        Checkpoint.write(f, LAYOUT, snapshot(42, true), "{}", null);
        byte[] good = Files.readAllBytes(f);
        for (int len = 0; len < good.length; len += 7) {
            Files.write(f, Arrays.copyOf(good, len));
            assertThrows(BadFileException.class, () -> Checkpoint.read(f), "truncated to " + len);
        }
    }

    @Test
    void rejectsAModelFileAndAMisnamedCheckpoint() throws Exception {
        Path model = dir.resolve("model.safetensors");
        ModelFile.write(model, LAYOUT, values(1), Map.of());
        BadFileException e = assertThrows(BadFileException.class, () -> Checkpoint.read(model));
        assertTrue(e.getMessage().contains("not a jbackprop checkpoint"), e.getMessage());
        Path f = dir.resolve(CheckpointDir.fileName(5));
        Checkpoint.write(f, LAYOUT, snapshot(42, false), "{}", null);
        e = assertThrows(BadFileException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("named for step 5"), e.getMessage());
    }

    @Test
    void latestSkipsBrokenNewerFilesWithAWarning() throws Exception {
        CheckpointDir.save(dir, LAYOUT, snapshot(10, true), "{}", null);
        CheckpointDir.save(dir, LAYOUT, snapshot(20, true), "{}", null);
        byte[] good = Files.readAllBytes(dir.resolve(CheckpointDir.fileName(20)));
        Files.write(dir.resolve(CheckpointDir.fileName(30)), Arrays.copyOf(good, good.length / 2)); // truncated
        Files.write(dir.resolve(CheckpointDir.fileName(40)), "garbage, not a checkpoint".getBytes());
        Files.write(dir.resolve(CheckpointDir.fileName(100)), new byte[0]);
        Files.write(dir.resolve(".ckpt-000000050.safetensors.123.tmp"), good); // a temporary is never a checkpoint
        List<String> warnings = new ArrayList<>();
        Checkpoint.Loaded c = CheckpointDir.latest(dir, warnings::add);
        assertEquals(20, c.state().steps());
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(
                warnings.get(0).startsWith("skipping checkpoint " + dir.resolve(CheckpointDir.fileName(100))),
                warnings.get(0));
        assertEquals(3, CheckpointDir.setAsideNewer(dir, c));
        assertEquals(
                List.of(dir.resolve(CheckpointDir.fileName(20)), dir.resolve(CheckpointDir.fileName(10))),
                CheckpointDir.list(dir));
        assertEquals(1, CheckpointDir.removeTemporaries(dir));
        assertTrue(Files.exists(dir.resolve(CheckpointDir.fileName(40) + ".corrupt")));
    }

    @Test
    void latestIsNullWhenNothingVerifies() throws Exception {
        Files.write(dir.resolve(CheckpointDir.fileName(1)), new byte[] {1, 2, 3});
        List<String> warnings = new ArrayList<>();
        assertNull(CheckpointDir.latest(dir, warnings::add));
        assertEquals(1, warnings.size());
        assertNull(CheckpointDir.latest(dir.resolve("missing"), warnings::add));
    }

    @Test
    void saveKeepsTheNewestTwo() throws Exception {
        for (long step : new long[] {5, 1000, 15, 20000000000L, 25})
            CheckpointDir.save(dir, LAYOUT, snapshot(step, false), "{}", null);
        List<Path> left = CheckpointDir.list(dir);
        assertEquals(
                List.of(dir.resolve(CheckpointDir.fileName(20000000000L)), dir.resolve(CheckpointDir.fileName(1000))),
                left);
        assertEquals(20000000000L, Checkpoint.read(left.get(0)).state().steps());
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temporary files left");
        }
    }

    @Test
    void lockExcludesASecondRun() throws Exception {
        Files.createDirectories(dir);
        try (DirectoryLock held = DirectoryLock.acquire(dir)) {
            DirectoryLock.InUseException e =
                    assertThrows(DirectoryLock.InUseException.class, () -> DirectoryLock.acquire(dir));
            assertTrue(e.getMessage().contains("in use by another run in this process"), e.getMessage());
            assertEquals(ProcessHandle.current().pid(), e.holder());
            assertThrows(DirectoryLock.InUseException.class, () -> DirectoryLock.checkFree(dir));
            assertEquals(
                    ProcessHandle.current().pid() + "\n",
                    Files.readString(dir.resolve(DirectoryLock.FILE)),
                    "the lock file names its holder");
        }
        DirectoryLock.checkFree(dir);
        DirectoryLock.acquire(dir).close(); // free again
    }
}
