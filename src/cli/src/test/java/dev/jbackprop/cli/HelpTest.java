package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * --help of every command: each option is described and says its default (the command's own, where options are
 * shared); each command's description is made of whole sentences, so the command list never cuts one.
 */
class HelpTest {
    static Map<String, CommandLine> commands() {
        return new CommandLine(new Main()).getSubcommands();
    }

    @Test
    void everyOptionIsDescribedWithItsDefault() {
        List<String> missing = new ArrayList<>();
        int options = 0;
        for (Map.Entry<String, CommandLine> c : commands().entrySet()) {
            CommandSpec spec = c.getValue().getCommandSpec();
            for (OptionSpec o : spec.options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                options++;
                String text = String.join(" ", o.description());
                String name = c.getKey() + " " + o.longestName();
                if (text.isBlank()) missing.add(name + ": no description");
                else if (text.contains("${DEFAULT-VALUE}")) {
                    CommandLine.IDefaultValueProvider p = spec.defaultValueProvider();
                    String value = p == null ? null : defaultOf(p, o);
                    if (value == null) value = o.defaultValue();
                    if (value == null || value.isBlank()) missing.add(name + ": ${DEFAULT-VALUE} without a default");
                } else if (!text.contains("(default: ") && !o.required()) {
                    missing.add(name + ": does not say its default");
                }
            }
        }
        assertTrue(options > 80, "options seen: " + options);
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }

    private static String defaultOf(CommandLine.IDefaultValueProvider p, OptionSpec o) {
        try {
            return p.defaultValue(o);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theRenderedHelpShowsEveryDefault() {
        for (Map.Entry<String, CommandLine> c : commands().entrySet()) {
            if (c.getKey().equals("help")) continue;
            String usage = c.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertFalse(usage.contains("default: null") || usage.contains("default: )"), c.getKey() + ":\n" + usage);
            assertFalse(usage.contains("${"), c.getKey() + ":\n" + usage);
        }
    }

    /** Shared options show each command's own default. */
    @Test
    void sharedOptionsShowTheirCommandsDefault() {
        Map<String, CommandLine> cs = commands();
        assertTrue(usage(cs, "train").contains("(default: 0.1)"));
        assertTrue(usage(cs, "train").contains("(default: cosine)"));
        assertTrue(usage(cs, "throughput").contains("(default: 0.01)"));
        assertTrue(usage(cs, "verify").contains("(default: cuda)"));
        assertTrue(usage(cs, "gradients").contains("(default: 30,30,30)"));
        assertTrue(usage(cs, "train").contains("(default: 256)"));
        assertTrue(usage(cs, "eval").contains("--layers") && usage(cs, "eval").contains("(default: auto)"));
    }

    private static String usage(Map<String, CommandLine> cs, String name) {
        return cs.get(name).getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
    }

    /** The command list shows the first description line of each command: it must be a whole sentence. */
    @Test
    void descriptionsAreWholeSentences() {
        for (Map.Entry<String, CommandLine> c : commands().entrySet()) {
            String[] d = c.getValue().getCommandSpec().usageMessage().description();
            assertNotNull(d);
            assertTrue(d.length > 0, c.getKey());
            for (String line : d) {
                String text = line.replace("%n", "").strip();
                assertTrue(text.endsWith("."), c.getKey() + ": '" + line + "'");
            }
        }
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code());
        for (String line : r.out().split("\n")) assertTrue(line.length() <= Main.HELP_WIDTH, line);
    }
}
