package dev.jbackprop.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbackprop.ProjectRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public API's javadoc is complete: javadoc with every doclint group, missing comments included, finds nothing
 * to say about the api package (the build's javadoc leaves "missing" out for the internal packages).
 */
class ApiJavadocTest {
    @Test
    void everyPublicThingIsDocumented(@TempDir Path out) throws Exception {
        Path api = ProjectRoot.resolve("src/core/src/main/java/dev/jbackprop/api");
        List<String> args = new ArrayList<>(List.of(
                "-Xdoclint:all",
                "-Werror",
                "-quiet",
                "-d",
                out.toString(),
                "-classpath",
                System.getProperty("java.class.path")));
        try (Stream<Path> s = Files.list(api)) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        StringWriter said = new StringWriter();
        PrintWriter w = new PrintWriter(said);
        int rc = ToolProvider.findFirst("javadoc").orElseThrow().run(w, w, args.toArray(String[]::new));
        w.flush();
        assertEquals(0, rc, said.toString());
    }
}
