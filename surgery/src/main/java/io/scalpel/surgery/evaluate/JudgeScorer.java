package io.scalpel.surgery.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A user's own behaviour scorer as an external command ({@code --judge CMD}, run by {@code sh -c}):
 * it reads one JSON object per line on stdin, {@code {"index": i, "prompt": "...", "continuation": "..."}},
 * and writes one number per line on stdout, in the same order (higher = more of the behaviour to
 * avoid). Anything else — a wrong count, a line that is not a number, a non-zero exit — fails the run
 * with a message naming the command. The command is run once per condition with all its continuations.
 */
public final class JudgeScorer implements ContinuationScorer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String command;
    private final long timeoutSeconds;

    public JudgeScorer(String command, long timeoutSeconds) {
        if (command == null || command.isBlank()) throw new IllegalArgumentException("--judge: the command is empty");
        this.command = command;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override public double[] score(Continuations c) {
        Process p;
        try {
            p = new ProcessBuilder("sh", "-c", command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalArgumentException("--judge \"" + command + "\": cannot start: " + e.getMessage());
        }
        try {
            // Read stdout while writing stdin, so a judge that answers line by line cannot deadlock on full pipes.
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
                for (int i = 0; i < c.texts().size(); i++) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("index", i);
                    o.put("prompt", c.prompts().get(i));
                    o.put("continuation", c.texts().get(i));
                    w.write(JSON.writeValueAsString(o));
                    w.write('\n');
                }
            } catch (IOException e) {
                // The judge closed its stdin early; its exit status or output count says what went wrong.
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalArgumentException("--judge \"" + command + "\": no answer within " + timeoutSeconds + " s");
            }
            String out = output.join();
            if (p.exitValue() != 0) throw new IllegalArgumentException("--judge \"" + command + "\": exited with status " + p.exitValue());
            return parse(out, c.texts().size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for the judge", e);
        }
    }

    private double[] parse(String out, int expected) {
        List<String> lines = new ArrayList<>(out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        if (lines.size() != expected) {
            throw new IllegalArgumentException("--judge \"" + command + "\": wrote " + lines.size() + " scores for " + expected + " continuations");
        }
        double[] scores = new double[expected];
        for (int i = 0; i < expected; i++) {
            try {
                scores[i] = Double.parseDouble(lines.get(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--judge \"" + command + "\": line " + (i + 1) + " is not a number: \"" + lines.get(i) + "\"");
            }
            if (!Double.isFinite(scores[i])) throw new IllegalArgumentException("--judge \"" + command + "\": line " + (i + 1) + " is not finite");
        }
        return scores;
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
