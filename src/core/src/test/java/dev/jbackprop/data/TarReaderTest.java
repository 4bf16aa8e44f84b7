package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tar reader against archives made by GNU tar in its three formats. */
class TarReaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"--format=ustar", "--format=gnu", "--format=pax"})
    void readsWhatGnuTarWrites(String format) throws IOException, InterruptedException {
        Random r = new Random(format.hashCode());
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/a.txt", "hello".getBytes());
        files.put("package/data/empty", new byte[0]);
        files.put("package/data/block", new byte[512]);
        byte[] big = new byte[70_001];
        r.nextBytes(big);
        files.put("package/data/big.bin", big);
        // 130 characters: needs the ustar prefix field, a GNU long name or a pax path
        String longName = "package/" + "d".repeat(60) + "/" + "f".repeat(61);
        files.put(longName, "long".getBytes());
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = dir.resolve("src").resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        Path tgz = dir.resolve("t.tgz");
        MnistTest.tar(dir.resolve("src"), tgz, format, "package");

        Map<String, byte[]> got = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz))) {
            TarReader t = new TarReader(in);
            for (TarReader.Entry e; (e = t.next()) != null; ) {
                // read only some entries fully: skipping the rest must keep the stream aligned
                byte[] data = e.name().endsWith("block") ? null : t.content().readAllBytes();
                if (data != null) assertEquals(e.size(), data.length, e.name());
                got.put(e.name(), data);
            }
        }
        assertEquals(files.keySet(), got.keySet());
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (got.get(e.getKey()) != null) assertArrayEquals(e.getValue(), got.get(e.getKey()), e.getKey());
        }
    }

    @Test
    void rejectsACorruptHeader() throws IOException {
        byte[] h = new byte[1024];
        System.arraycopy("file".getBytes(), 0, h, 0, 4);
        System.arraycopy("0000017\0".getBytes(), 0, h, 148, 8);
        TarReader t = new TarReader(new java.io.ByteArrayInputStream(h));
        IOException e = assertThrows(IOException.class, t::next);
        assertEquals("tar header checksum mismatch (corrupt archive)", e.getMessage());
    }
}
