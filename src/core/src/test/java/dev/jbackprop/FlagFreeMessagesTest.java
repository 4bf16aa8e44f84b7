package dev.jbackprop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Library code speaks of the API, never of command-line flags: no string literal outside the cli package names a
 * flag ("--eta"). Its messages name settings through {@link dev.jbackprop.model.Wording}, which the command line
 * renders with its flags.
 */
class FlagFreeMessagesTest {
    static final Path MAIN = Path.of("src/main/java/dev/jbackprop");

    /** Literals that are not messages: arguments to other programs. */
    static final Set<String> NOT_MESSAGES = Set.of("\"--ignore-scripts\"", "\"--loglevel=error\"");

    /** Files still to convert: none (the backends' out-of-memory advice and precision check were the last). */
    static final Set<String> NOT_YET = Set.of();

    private static final Pattern LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z]");

    /** "file:line: literal" for every literal in the source that names a flag. */
    static List<String> flagsIn(String file, String source) {
        List<String> out = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String code = lines[i].strip();
            if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) continue; // comments
            Matcher m = LITERAL.matcher(lines[i]);
            while (m.find()) {
                String lit = m.group();
                if (FLAG.matcher(lit).find() && !NOT_MESSAGES.contains(lit)) out.add(file + ":" + (i + 1) + ": " + lit);
            }
        }
        return out;
    }

    @Test
    void noLibraryMessageNamesAFlag() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = MAIN.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith("cli/") || NOT_YET.contains(rel)) continue;
                found.addAll(flagsIn(rel, Files.readString(f, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(found.isEmpty(), "library code naming flags:\n" + String.join("\n", found));
    }

    @Test
    void theFilesLeftToConvertStillExist() {
        for (String f : NOT_YET) assertTrue(Files.exists(MAIN.resolve(f)), f + " is gone: take it off NOT_YET");
    }

    @Test
    void theScanFindsFlags() {
        String src = """
                class X {
                    void f() {
                        throw new IllegalArgumentException("--eta must be positive, got " + eta);
                        String s = "use a smaller --batch"; String t = "rw-r--r--"; // "--in a comment" is code here
                        run("--ignore-scripts");
                    }
                    /** the doc may say "--eta" */
                }
                """;
        List<String> found = flagsIn("X.java", src);
        assertEquals(3, found.size(), String.join("\n", found));
        assertTrue(found.get(0).startsWith("X.java:3: \"--eta"), found.get(0));
    }
}
