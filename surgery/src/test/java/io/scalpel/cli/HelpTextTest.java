package io.scalpel.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's --help describes every option, shows an example, and renders without picocli warnings (issue #11). */
class HelpTextTest {

    @Test void everyCommandIsDocumented() {
        CommandLine root = new CommandLine(new ScalpelCommand());
        List<String> problems = new ArrayList<>();
        for (var e : root.getSubcommands().entrySet()) {
            String name = e.getKey();
            CommandLine c = e.getValue();
            if (name.equals("help") || !name.equals(c.getCommandName())) continue; // picocli's help, aliases
            String footer = String.join("\n", c.getCommandSpec().usageMessage().footer());
            if (!footer.contains("scalpel " + name)) problems.add(name + ": no example in the footer");
            for (OptionSpec o : c.getCommandSpec().options()) {
                String d = String.join(" ", o.description());
                if (d.isBlank()) problems.add(name + " " + o.longestName() + ": no description");
            }
            // picocli formats descriptions with String.format; a lone '%' prints "[picocli WARN] Could not format ..." on stderr.
            PrintStream oldErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                c.getUsageMessage();
            } finally {
                System.setErr(oldErr);
            }
            if (!err.toString(StandardCharsets.UTF_8).isBlank()) problems.add(name + ": help printed " + err.toString(StandardCharsets.UTF_8).strip());
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** probe trains a probe and nothing else: the edit's and the evaluation's options are not offered (issue #11). */
    @Test void probeListsOnlyWhatItUses() {
        CommandLine probe = new CommandLine(new ScalpelCommand()).getSubcommands().get("probe");
        List<String> offered = probe.getCommandSpec().options().stream().map(OptionSpec::longestName).toList();
        for (String ignored : List.of("--alpha", "--top-k", "--second-layer", "--new-tokens", "--controls", "--cache", "--no-cache")) {
            assertTrue(!offered.contains(ignored), "probe offers " + ignored + ", which it ignores");
        }
        for (String used : List.of("--layer", "--solver", "--epochs", "--lr", "--batch", "--validation-share", "--seed", "--max-tokens")) {
            assertTrue(offered.contains(used), "probe lacks " + used);
        }
    }
}
