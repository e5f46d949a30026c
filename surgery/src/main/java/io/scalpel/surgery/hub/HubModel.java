package io.scalpel.surgery.hub;

import java.util.regex.Pattern;

/**
 * A Hugging Face model repository at a revision (branch, tag or commit), e.g.
 * {@code TinyLlama/TinyLlama-1.1B-Chat-v1.0} at {@code main}.
 */
public record HubModel(String repo, String revision) {
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

    public HubModel {
        if (repo == null || !REPO.matcher(repo).matches() || repo.contains("..")) {
            throw new IllegalArgumentException("'" + repo + "' is not a Hugging Face repo id (expected org/name)");
        }
        if (revision == null || !REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new IllegalArgumentException("'" + revision + "' is not a valid revision (branch, tag or commit)");
        }
    }

    /** Parses {@code org/name} or {@code org/name@revision} (default revision {@code main}). */
    public static HubModel parse(String spec) {
        int at = spec.indexOf('@');
        return at < 0 ? new HubModel(spec, "main") : new HubModel(spec.substring(0, at), spec.substring(at + 1));
    }

    public String organisation() { return repo.substring(0, repo.indexOf('/')); }

    public String name() { return repo.substring(repo.indexOf('/') + 1); }

    @Override public String toString() { return repo + "@" + revision; }
}
