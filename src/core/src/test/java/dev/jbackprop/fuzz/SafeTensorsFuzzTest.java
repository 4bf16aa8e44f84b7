package dev.jbackprop.fuzz;

import static dev.jbackprop.fuzz.ReaderCall.call;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.ParamLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzzes the safetensors reader: each input is written to a file and read by every entry point,
 * then again with its header length field matched to its JSON (so inserting into the header
 * still makes a readable file). The answers must agree: all accept the header or all reject it,
 * and the parameters read for the network the file holds are its tensors. Seeds and findings:
 * src/test/resources/dev/jbackprop/fuzz/SafeTensorsFuzzTestInputs/fuzzSafeTensors/. How CI and
 * bench/fuzz.sh run it: pom.xml (execution "fuzz").
 */
class SafeTensorsFuzzTest {
    private static final Path DIR = ReaderCall.tempDir("fuzz-safetensors");
    /** A network of the seeds' shape, so read() also meets files it does not fit. */
    private static final ParamLayout FIXED = new ParamLayout(new int[] {4, 3, 2});

    @FuzzTest(maxDuration = "60s")
    @DictionaryEntries({
        "\"dtype\"",
        "\"shape\"",
        "\"data_offsets\"",
        "\"__metadata__\"",
        "\"F32\"",
        "\"F4\"",
        "\"BF16\"",
        "\"layers.0.weight\"",
        "\"layers.0.bias\"",
        "\"layers.1.weight\"",
        "\"layers.1.bias\"",
        "[0,0]",
        "[]",
        "{}",
        "18446744073709551615",
        "9223372036854775807",
        ",9223372036854775807",
        "4294967296",
        ",4294967296",
        ",0",
        "-1",
        "1e9",
        "\\u0000"
    })
    void fuzzSafeTensors(byte[] data) {
        readAll(ReaderCall.write(DIR, "input.safetensors", data), data.length);
        byte[] fixed = withHeaderLength(data);
        if (fixed != null) readAll(ReaderCall.write(DIR, "fixed.safetensors", fixed), fixed.length);
    }

    private static void readAll(Path f, int length) {
        // the JSON tree costs a few dozen bytes per header byte; nothing else may grow with a claim
        long budget = (32L << 20) + 64L * length;
        Map<String, String> meta = call(budget, () -> SafeTensors.readMetadata(f), f);
        Map<String, SafeTensors.Tensor> tensors = call(budget, () -> SafeTensors.readTensors(f), f);
        check((meta == null) == (tensors == null), "readMetadata and readTensors disagree on the header");
        int[] sizes = call(budget, () -> ModelFile.readSizes(f), f);
        check(sizes == null || tensors != null, "readSizes accepted a header readTensors rejected");
        float[] fixed = call(budget, () -> ModelFile.read(f, FIXED), f);
        check(fixed == null || sizes != null, "read accepted a file readSizes rejected");
        if (sizes == null) return;

        ParamLayout layout = new ParamLayout(sizes);
        float[] p = call(budget, () -> ModelFile.read(f, layout), f);
        if (p == null) return; // a dtype other than F32, or non-finite weights
        for (int l = 0; l < layout.layers(); l++) {
            float[] w = tensors.get(ModelFile.weightName(l)).data();
            float[] b = tensors.get(ModelFile.biasName(l)).data();
            for (int j = 0; j < layout.nOut(l); j++) {
                for (int k = 0; k < layout.nIn(l); k++) {
                    check(
                            same(p[(int) layout.w(l, j, k)], w[j * layout.nIn(l) + k]),
                            "weight differs between read and readTensors");
                }
                check(same(p[(int) layout.b(l, j)], b[j]), "bias differs between read and readTensors");
            }
        }
    }

    /**
     * The input with its header length field set to where the JSON object starting at byte 8 ends
     * (padding spaces after it kept), or null if there is none or the field already says so. A
     * mutation that grows or shrinks the header thus still gives a file whose JSON is read whole.
     */
    static byte[] withHeaderLength(byte[] d) {
        if (d.length < 9 || d[8] != '{') return null;
        int depth = 0;
        int end = -1;
        boolean inString = false;
        boolean escaped = false;
        for (int i = 8; i < d.length && end < 0; i++) {
            byte c = d[i];
            if (inString) {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                end = i + 1;
            }
        }
        if (end < 0) return null;
        while (end < d.length && d[end] == ' ') end++;
        long n = end - 8;
        if (ByteBuffer.wrap(d, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() == n) return null;
        byte[] out = d.clone();
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        return out;
    }

    private static boolean same(float a, float b) {
        return Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
