package io.scalpel.surgery.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads a model's config, tokenizer and safetensors weights from a Hugging Face hub into
 * {@code <cache>/<org>/<name>/<revision>/}, using the hub's layout
 * {@code {endpoint}/{repo}/resolve/{revision}/{file}}.
 *
 * <ul>
 *   <li>Resumable: bytes go to {@code <file>.part}; a later run asks for the rest with a Range
 *       request (a server that ignores Range restarts the file).</li>
 *   <li>Checked: for LFS files the hub sends the file's SHA-256 in {@code X-Linked-Etag} (or
 *       {@code ETag}); when a 64-hex-digit value is present the download is verified against it,
 *       and a mismatch deletes the part file. Git-SHA-1 ETags of small files are not checksums of
 *       the content and are ignored.</li>
 *   <li>Atomic: a file appears under its final name only once complete and verified, so a file in
 *       the cache is trusted and never fetched again.</li>
 *   <li>Redirects are followed by hand so a token is sent only to the hub's own host, never to
 *       the storage host it redirects to.</li>
 * </ul>
 */
public final class HubDownloader {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 10;
    /** Written once every file of a model is in place. */
    static final String COMPLETE_MARKER = ".scalpel-download-complete";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Path cacheRoot;
    private final Optional<String> token;
    private final PrintStream progress;
    private final HttpClient http;

    /**
     * @param endpoint  hub base URL, e.g. https://huggingface.co or a mirror
     * @param cacheRoot models land in {@code cacheRoot/<org>/<name>/<revision>}
     * @param token     bearer token for gated/private repos
     * @param progress  where progress bars go; null for none
     */
    public HubDownloader(URI endpoint, Path cacheRoot, Optional<String> token, PrintStream progress) {
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e : e + "/");
        this.cacheRoot = cacheRoot;
        this.token = token.filter(t -> !t.isBlank());
        this.progress = progress;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /**
     * Settings from the environment: {@code HF_ENDPOINT} (default https://huggingface.co),
     * {@code HF_TOKEN}, and the cache {@code $SCALPEL_CACHE/models}, else
     * {@code ~/.cache/scalpel/models}. Progress goes to standard error.
     */
    public static HubDownloader fromEnvironment(Map<String, String> env) {
        String ep = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
        return new HubDownloader(URI.create(ep), defaultCacheRoot(env), Optional.ofNullable(env.get("HF_TOKEN")), System.err);
    }

    public static Path defaultCacheRoot(Map<String, String> env) {
        String scalpel = env.get("SCALPEL_CACHE");
        if (scalpel != null && !scalpel.isBlank()) return Path.of(scalpel, "models");
        return Path.of(System.getProperty("user.home"), ".cache", "scalpel", "models");
    }

    /** Where {@code model} lives (or will) in the cache. Slashes in a revision become "--". */
    public Path directoryOf(HubModel model) {
        return cacheRoot.resolve(model.organisation()).resolve(model.name()).resolve(model.revision().replace("/", "--"));
    }

    /**
     * Downloads config.json (required), tokenizer.json and tokenizer_config.json (when the repo has
     * them), and the weights: the shards listed in model.safetensors.index.json, or model.safetensors.
     * Files already in the cache are kept; once a model is complete, later calls return at once
     * without touching the network. Returns the model directory.
     */
    public Path download(HubModel model) {
        Path dir = directoryOf(model);
        Path complete = dir.resolve(COMPLETE_MARKER);
        // A finished download needs no network at all, not even to re-ask for optional files it lacks.
        if (Files.isRegularFile(complete)) return dir;
        fetch(model, "config.json", true);
        fetch(model, "tokenizer.json", false);
        fetch(model, "tokenizer_config.json", false);
        Optional<Path> index = fetch(model, "model.safetensors.index.json", false);
        if (index.isPresent()) {
            for (String shard : shardNames(index.get())) fetch(model, shard, true);
        } else {
            fetch(model, "model.safetensors", true);
        }
        try {
            Files.writeString(complete, model + "\n");
        } catch (IOException e) {
            throw new HubException(complete + ": cannot write (" + e.getMessage() + ")");
        }
        return dir;
    }

    /** Shard file names from an index, checked so a hostile index cannot write outside the model folder. */
    static List<String> shardNames(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new HubException(index + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new HubException(index + ": no weight_map");
        Set<String> names = new LinkedHashSet<>();
        map.fields().forEachRemaining(e -> names.add(e.getValue().asText()));
        for (String n : names) {
            if (n.isEmpty() || n.startsWith("/") || n.contains("..") || n.contains("\\") || n.contains("/")) {
                throw new HubException(index + ": refusing shard name '" + n + "' (must be a plain file name)");
            }
        }
        return new ArrayList<>(names);
    }

    /**
     * Makes {@code file} present in the model's cache folder. Returns empty when an optional file
     * does not exist on the hub.
     */
    public Optional<Path> fetch(HubModel model, String file, boolean required) {
        Path dir = directoryOf(model);
        Path target = dir.resolve(file);
        if (Files.isRegularFile(target)) return Optional.of(target);
        Path part = dir.resolve(file + ".part");
        try {
            Files.createDirectories(dir);
            return transfer(model, file, target, part, required, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("download of " + model + " " + file + " interrupted; run again to resume");
        } catch (IOException e) {
            throw networkFailure(model, file, part, e);
        }
    }

    private Optional<Path> transfer(HubModel model, String file, Path target, Path part, boolean required, boolean mayRetry)
            throws IOException, InterruptedException {
        long offset = Files.isRegularFile(part) ? Files.size(part) : 0;
        URI uri = fileUri(model, file);
        String expectedSha = null;
        long expectedSize = -1;
        HttpResponse<InputStream> response;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(60))
                    .header("User-Agent", "scalpel/0.1 (java.net.http)");
            if (token.isPresent() && sameHost(uri, endpoint)) req.header("Authorization", "Bearer " + token.get());
            if (offset > 0) req.header("Range", "bytes=" + offset + "-");
            response = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            // The hub's own response carries the LFS checksum and size; later hops (storage) may not.
            if (expectedSha == null) expectedSha = sha256Header(response);
            if (expectedSize < 0) expectedSize = response.headers().firstValueAsLong("X-Linked-Size").orElse(-1);
            int status = response.statusCode();
            if (status < 300 || status >= 400 || status == 304) break;
            response.body().close();
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty()) throw new HubException(model + " " + file + ": redirect " + status + " without a Location");
            if (hop >= MAX_REDIRECTS) throw new HubException(model + " " + file + ": more than " + MAX_REDIRECTS + " redirects");
            uri = uri.resolve(location.get());
        }

        int status = response.statusCode();
        try (InputStream body = response.body()) {
            switch (status) {
                case 200, 206 -> { /* handled below */ }
                case 404 -> {
                    if (required) throw new HubException(model + ": " + file + " not found (HTTP 404) at " + fileUri(model, file)
                            + " — check the repo id and revision");
                    return Optional.empty();
                }
                case 401, 403 -> throw new HubException(model + ": access to " + file + " denied (HTTP " + status
                        + "): the repo is gated or private — accept its licence on the hub and set HF_TOKEN");
                case 416 -> {
                    // Our part file is at least as long as the file: it is stale or corrupt; start again once.
                    Files.deleteIfExists(part);
                    if (mayRetry) return transfer(model, file, target, part, required, false);
                    throw new HubException(model + " " + file + ": server refused the resume range (HTTP 416)");
                }
                default -> throw new HubException(model + " " + file + ": HTTP " + status + " from " + uri);
            }
            MessageDigest sha = sha256();
            long start;
            long total;
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                    throw new HubException(model + " " + file + ": server answered the resume request with an unexpected range "
                            + response.headers().firstValue("Content-Range").orElse("(none)"));
                }
                start = offset;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
                hashExisting(part, sha);
            } else {
                start = 0; // no Range support (or a fresh start): overwrite the part file
                long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                total = length;
            }
            if (total < 0) total = expectedSize;
            long written = copyBody(model, file, body, part, start, total, sha);
            if (total >= 0 && written != total) {
                throw new HubException(model + " " + file + ": got " + written + " bytes, expected " + total + "; run again to resume");
            }
            if (expectedSize >= 0 && written != expectedSize) {
                Files.deleteIfExists(part);
                throw new HubException(model + " " + file + ": size " + written + " differs from the hub's " + expectedSize + "; the partial file was deleted, run again");
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (expectedSha != null && !expectedSha.equals(actual)) {
                Files.deleteIfExists(part);
                throw new HubException(model + " " + file + ": SHA-256 mismatch (expected " + expectedSha + ", got " + actual
                        + "); the corrupt download was deleted, run again");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return Optional.of(target);
        }
    }

    /** Streams the body into the part file from {@code start}, hashing and showing progress; returns the file's final length. */
    private long copyBody(HubModel model, String file, InputStream body, Path part, long start, long total, MessageDigest sha) throws IOException {
        StandardOpenOption mode = start > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        long position = start;
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
             ProgressBar bar = progressBar(model, file, start, total)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = body.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                position += n;
                if (bar != null) bar.stepTo(position);
            }
        }
        return position;
    }

    private ProgressBar progressBar(HubModel model, String file, long start, long total) {
        if (progress == null) return null;
        return new ProgressBarBuilder()
                .setTaskName(file)
                .setInitialMax(total)
                .setUnit("MiB", 1L << 20)
                .showSpeed()
                .startsFrom(start, Duration.ZERO)
                .setConsumer(new ConsoleProgressBarConsumer(progress))
                .build();
    }

    private URI fileUri(HubModel model, String file) {
        String path = model.repo() + "/resolve/" + URLEncoder.encode(model.revision(), StandardCharsets.UTF_8) + "/"
                + URLEncoder.encode(file, StandardCharsets.UTF_8).replace("+", "%20");
        return endpoint.resolve(path);
    }

    /** The SHA-256 the server states, if it states one: X-Linked-Etag first (LFS), else ETag. */
    private static String sha256Header(HttpResponse<?> response) {
        for (String name : List.of("X-Linked-Etag", "ETag")) {
            Optional<String> v = response.headers().firstValue(name);
            if (v.isPresent()) {
                String tag = v.get().trim();
                if (tag.startsWith("W/")) tag = tag.substring(2);
                tag = tag.replace("\"", "").toLowerCase(java.util.Locale.ROOT);
                if (SHA256.matcher(tag).matches()) return tag;
            }
        }
        return null;
    }

    private static void hashExisting(Path part, MessageDigest sha) throws IOException {
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort()
                && String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme()));
    }

    private HubException networkFailure(HubModel model, String file, Path part, IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        boolean unreachable = e instanceof ConnectException || e instanceof HttpConnectTimeoutException
                || root instanceof UnresolvedAddressException || root instanceof ConnectException || root instanceof java.net.UnknownHostException;
        String reason = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage()));
        if (unreachable) {
            return new HubException("cannot reach " + endpoint + " to download " + model + " (" + reason
                    + "); with no network, download the model elsewhere and pass --model <directory>", e);
        }
        String kept = Files.isRegularFile(part) ? "; the partial file is kept, run again to resume" : "";
        return new HubException("download of " + model + " " + file + " failed (" + reason + ")" + kept, e);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
