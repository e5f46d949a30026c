package io.scalpel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * One line for a command line picocli could not parse. picocli reports only its first complaint, and
 * for {@code --modle x} that is the missing {@code --model}; the misspelt option, the user's actual
 * mistake, is named first here, with picocli's suggestion.
 */
final class OptionErrors {
    private OptionErrors() {}

    static String describe(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName();
        List<String> unknown = unknownOptions(cl.getCommandSpec(), args);
        StringBuilder line = new StringBuilder(command).append(": ");
        if (!unknown.isEmpty() && !(ex instanceof CommandLine.UnmatchedArgumentException)) {
            line.append("unknown option ").append(String.join(", ", unknown));
            List<String> suggestions = new CommandLine.UnmatchedArgumentException(cl, unknown).getSuggestions();
            if (!suggestions.isEmpty()) line.append(" (did you mean ").append(String.join(" or ", suggestions)).append("?)");
            line.append("; ");
        }
        line.append(CommandFailure.oneLine(ex.getMessage()));
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line.append(" (did you mean ").append(String.join(" or ", u.getSuggestions())).append("?)");
        }
        return line.append(". See '").append(command).append(" --help'.").toString();
    }

    /** Tokens after the subcommand's name that look like options it does not have (values of its options skipped). */
    private static List<String> unknownOptions(CommandSpec spec, String[] args) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(spec.name())) {
                start = i + 1;
                break;
            }
        }
        for (int i = start; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-") || a.equals("--") || isNumber(a)) continue;
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            OptionSpec o = spec.findOption(name);
            if (o == null) {
                out.add(name);
            } else if (!a.contains("=") && o.arity().max() > 0) {
                i++; // its value, which may itself begin with '-'
            }
        }
        return out;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
