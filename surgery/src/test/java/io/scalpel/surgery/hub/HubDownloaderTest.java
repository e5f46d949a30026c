package io.scalpel.surgery.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A local stand-in for the hub: {@code /org/tiny/resolve/main/<file>} answers small files directly
 * (git-style SHA-1 ETag) and "LFS" files with a 302 to {@code /cdn/<file>} carrying
 * {@code X-Linked-Etag} (SHA-256) and {@code X-Linked-Size}, as huggingface.co does; the CDN is a
 * second server (another origin) and honours Range requests.
 */
class HubDownloaderTest {
    @TempDir Path cache;
    private HttpServer server;
    /** Storage on another origin (port), as the hub redirects LFS files to a CDN host. */
    private HttpServer cdn;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Set<String> lfs = ConcurrentHashMap.newKeySet();
    private final Map<String, String> advertisedSha = new ConcurrentHashMap<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdn.createContext("/", this::handle);
        cdn.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        cdn.stop(0);
    }

    private URI endpoint() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort()); }

    private HubDownloader downloader(PrintStream progress) {
        return new HubDownloader(endpoint(), cache, Optional.of("secret"), progress);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range)
                + (ex.getRequestHeaders().containsKey("Authorization") ? " auth" : ""));
        String resolve = "/org/tiny/resolve/main/";
        try (ex) {
            if (path.startsWith(resolve)) {
                String name = path.substring(resolve.length());
                byte[] data = files.get(name);
                if (data == null) { ex.sendResponseHeaders(404, -1); return; }
                if (lfs.contains(name)) {
                    ex.getResponseHeaders().add("X-Linked-Etag", "\"" + advertisedSha.getOrDefault(name, sha256(data)) + "\"");
                    ex.getResponseHeaders().add("X-Linked-Size", Integer.toString(data.length));
                    ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + name);
                    ex.sendResponseHeaders(302, -1);
                    return;
                }
                ex.getResponseHeaders().add("ETag", "\"" + "a".repeat(40) + "\"");
                send(ex, data, null);
            } else if (path.startsWith("/cdn/")) {
                send(ex, files.get(path.substring(5)), range);
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void send(HttpExchange ex, byte[] data, String range) throws IOException {
        int from = 0;
        if (range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            if (from >= data.length) { ex.sendResponseHeaders(416, -1); return; }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
            ex.sendResponseHeaders(206, data.length - from);
        } else {
            ex.sendResponseHeaders(200, data.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data, from, data.length - from);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void singleFileModel() {
        files.put("config.json", "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8));
        files.put("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("model.safetensors", bytes(300_000, 1));
        lfs.add("model.safetensors");
    }

    @Test
    void downloadsIntoTheCacheLayoutAndSkipsCachedFiles() throws IOException {
        singleFileModel();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Path dir = downloader(new PrintStream(progress, true, StandardCharsets.UTF_8)).download(HubModel.parse("org/tiny"));
        assertEquals(cache.resolve("org/tiny/main"), dir);
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(dir.resolve("model.safetensors")));
        assertArrayEquals(files.get("config.json"), Files.readAllBytes(dir.resolve("config.json")));
        assertFalse(Files.exists(dir.resolve("tokenizer_config.json")), "optional and absent on the hub");
        assertTrue(log.contains("GET /org/tiny/resolve/main/model.safetensors auth"), log.toString());
        assertTrue(log.contains("GET /cdn/model.safetensors"), "the token goes to the hub host only: " + log);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("model.safetensors"));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".part")));
        }

        log.clear();
        server.stop(0); // a complete model in the cache needs no network
        assertEquals(dir, downloader(null).download(HubModel.parse("org/tiny")));
        assertTrue(log.isEmpty(), "cached files are not fetched again: " + log);
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest() throws IOException {
        singleFileModel();
        Path dir = cache.resolve("org/tiny/main");
        Files.createDirectories(dir);
        byte[] full = files.get("model.safetensors");
        Files.write(dir.resolve("model.safetensors.part"), Arrays.copyOf(full, 123_456));
        downloader(null).download(HubModel.parse("org/tiny"));
        assertTrue(log.contains("GET /cdn/model.safetensors bytes=123456-"), log.toString());
        assertArrayEquals(full, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void checksumMismatchDeletesThePartAndLeavesNoFile() {
        singleFileModel();
        advertisedSha.put("model.safetensors", "0".repeat(64));
        var e = assertThrows(HubException.class, () -> downloader(null).download(HubModel.parse("org/tiny")));
        assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Path dir = cache.resolve("org/tiny/main");
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("model.safetensors.part")));
    }

    @Test
    void downloadsShardsListedInTheIndex() throws IOException {
        files.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("model.safetensors.index.json", """
                {"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}
                """.getBytes(StandardCharsets.UTF_8));
        files.put("model-00001-of-00002.safetensors", bytes(5000, 2));
        files.put("model-00002-of-00002.safetensors", bytes(7000, 3));
        lfs.add("model-00001-of-00002.safetensors");
        lfs.add("model-00002-of-00002.safetensors");
        Path dir = downloader(null).download(new HubModel("org/tiny", "main"));
        assertArrayEquals(files.get("model-00002-of-00002.safetensors"), Files.readAllBytes(dir.resolve("model-00002-of-00002.safetensors")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
    }

    @Test
    void missingRequiredFileAndHostileShardNames() throws IOException {
        files.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(HubException.class, () -> downloader(null).download(HubModel.parse("org/tiny")));
        assertTrue(e.getMessage().contains("model.safetensors not found"), e.getMessage());

        Path index = Files.writeString(cache.resolve("index.json"), "{\"weight_map\":{\"a\":\"../../evil\"}}");
        assertThrows(HubException.class, () -> HubDownloader.shardNames(index));
        assertThrows(IllegalArgumentException.class, () -> HubModel.parse("../etc"));
        assertThrows(IllegalArgumentException.class, () -> HubModel.parse("org/name@../x"));
    }

    @Test
    void noNetworkSaysToPassModel() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        var d = new HubDownloader(URI.create("http://127.0.0.1:" + port), cache, Optional.empty(), null);
        var e = assertThrows(HubException.class, () -> d.download(HubModel.parse("org/tiny")));
        assertTrue(e.getMessage().contains("--model"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void environmentDefaults() {
        assertEquals(Path.of("/x/models"), HubDownloader.defaultCacheRoot(Map.of("SCALPEL_CACHE", "/x")));
        assertTrue(HubDownloader.defaultCacheRoot(Map.of()).endsWith(Path.of(".cache", "scalpel", "models")));
        assertEquals(new HubModel("a/b", "v1.0"), HubModel.parse("a/b@v1.0"));
    }
}
