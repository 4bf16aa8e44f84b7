package dev.jbackprop.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files whose values no run can produce are corrupt files, whatever their checksum says (a forged file carries a
 * valid one): the message names the file and the field. And the same content always gives the same bytes.
 */
class CorruptValuesTest {
    static final ParamLayout LAYOUT = CheckpointTest.LAYOUT;

    @TempDir
    Path dir;

    static Stream<Arguments> impossibleStates() {
        return Stream.of(
                Arguments.of(new TrainingState(-3, 0, 5, 1, 0.5, 1, 2), "'epochs_done' is -3"),
                Arguments.of(new TrainingState(0, -1, 5, 1, 0.5, 1, 2), "'step_in_epoch' is -1"),
                Arguments.of(new TrainingState(0, 0, -5, 1, 0.5, 1, 2), "'step' is -5"),
                Arguments.of(
                        new TrainingState(0, 7, 5, 1, 0.5, 1, 2), "'step' is 5; it must be at least step_in_epoch"),
                Arguments.of(new TrainingState(9, 0, 5, 1, 0.5, 1, 2), "at least one per epoch done"),
                Arguments.of(new TrainingState(0, 1, 5, 1, 0.5, 3, 2), "'epoch_correct' is 3"),
                Arguments.of(new TrainingState(0, 1, 5, 1, 0.5, 0, -2), "'epoch_samples' is -2"),
                Arguments.of(new TrainingState(0, 1, 5, 1, Double.NaN, 0, 2), "'epoch_loss_sum' is NaN"),
                Arguments.of(new TrainingState(0, 1, 5, 1, 0.5, 0, 2, -1), "'loss_reference' is -1.0"));
    }

    @ParameterizedTest
    @MethodSource("impossibleStates")
    void aForgedCheckpointWithAValidChecksumIsCorrupt(TrainingState st, String field) throws Exception {
        Path f = dir.resolve(CheckpointDir.fileName(Math.max(0, st.steps())));
        Files.deleteIfExists(f);
        Checkpoint.write(f, LAYOUT, new TrainingSnapshot(st, CheckpointTest.values(1), null), "{}", null);
        BadFileException e = assertThrows(BadFileException.class, () -> Checkpoint.read(f));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().startsWith(f + ": is corrupt: metadata "), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertTrue(Checkpoint.writtenByJbackprop(f), "still recognisably jbackprop's");
    }

    @Test
    void theSameTensorsAndMetadataGiveTheSameBytesInAnyOrder() throws Exception {
        Map<String, String> ab = new LinkedHashMap<>(), ba = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        ba.put("b", "2");
        ba.put("a", "1");
        float[] p = CheckpointTest.values(3);
        ModelFile.write(dir.resolve("ab.safetensors"), LAYOUT, p, ab);
        ModelFile.write(dir.resolve("ba.safetensors"), LAYOUT, p, ba);
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("ab.safetensors")), Files.readAllBytes(dir.resolve("ba.safetensors")));
        String header = new String(Files.readAllBytes(dir.resolve("ab.safetensors")), StandardCharsets.UTF_8);
        assertTrue(
                header.indexOf("\"a\"") < header.indexOf("\"b\"")
                        && header.indexOf("\"b\"") < header.indexOf("\"format\""),
                header);
    }

    @Test
    void aModelSaysHowFarItWasTrainedAndImpossibleValuesAreCorrupt() throws Exception {
        float[] p = CheckpointTest.values(3);
        Path plain = dir.resolve("plain.safetensors");
        ModelFile.write(plain, LAYOUT, p, Map.of());
        assertNull(ModelFile.progress(plain), "a file that does not say");
        Path good = dir.resolve("good.safetensors");
        ModelFile.write(good, LAYOUT, p, Map.of(ModelFile.TRAINED_KEY, ModelFile.trained(2, 2345)));
        assertEquals(new ModelFile.Progress(2, 2345), ModelFile.progress(good));
        String[][] bad = {
            {"{\"epochs\":-1,\"steps\":5}", "epochs -1"},
            {"{\"epochs\":3,\"steps\":2}", "steps 2"},
            {"{\"epochs\":\"x\",\"steps\":5}", "epochs \"x\", not a whole"},
            {"[1,2]", "not a JSON object"}
        };
        for (String[] b : bad) {
            Path f = dir.resolve("bad.safetensors");
            ModelFile.write(f, LAYOUT, p, Map.of(ModelFile.TRAINED_KEY, b[0]));
            BadFileException e = assertThrows(BadFileException.class, () -> ModelFile.progress(f));
            assertTrue(
                    e.getMessage().startsWith(f + ": is corrupt: metadata ")
                            && e.getMessage().contains(b[1]),
                    e.getMessage());
        }
    }
}
