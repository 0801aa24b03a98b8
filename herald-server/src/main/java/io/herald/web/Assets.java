package io.herald.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The two files every page links, htmx and herald.css, read from the jar once at start-up and
 * served from memory under names that change with their content, so browsers may keep them for a
 * year. There is no directory to list and nothing else under {@code /assets/}.
 */
final class Assets extends Handler.Abstract {
    static final String PREFIX = "/assets/";
    private static final String CACHE = "public, max-age=31536000, immutable";

    private record Asset(byte[] bytes, String contentType, String etag) {}

    private final String htmxPath;
    private final String cssPath;
    private final Map<String, Asset> byPath;

    Assets() {
        Properties p = new Properties();
        try (InputStream in = load("io/herald/web/assets.properties", "the build's io/herald/web/assets.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String htmxVersion = p.getProperty("htmx.version");
        byte[] htmx = read("META-INF/resources/webjars/htmx.org/" + htmxVersion + "/dist/htmx.min.js",
                "the WebJar org.webjars.npm:htmx.org:" + htmxVersion);
        byte[] css = read("io/herald/web/herald.css", "herald.css");
        this.htmxPath = PREFIX + "htmx-" + htmxVersion + ".min.js";
        this.cssPath = PREFIX + "herald-" + fingerprint(css) + ".css";
        this.byPath = Map.of(
                htmxPath, new Asset(htmx, "text/javascript; charset=utf-8", "\"htmx-" + htmxVersion + "\""),
                cssPath, new Asset(css, "text/css; charset=utf-8", "\"" + cssPath.substring(PREFIX.length()) + "\""));
    }

    /** The first 10 hex digits of the SHA-256 of {@code bytes}. */
    private static String fingerprint(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InputStream load(String resource, String what) {
        InputStream in = Assets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("the web console needs " + what + " on the class path (" + resource + "); the jar is incomplete");
        }
        return in;
    }

    private static byte[] read(String resource, String what) {
        try (InputStream in = load(resource, what)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String htmxPath() {
        return htmxPath;
    }

    String cssPath() {
        return cssPath;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Asset asset = byPath.get(Request.getPathInContext(request));
        if (asset == null) {
            return false; // a 404 from the server's error handler
        }
        String method = request.getMethod();
        var headers = response.getHeaders();
        headers.put("X-Content-Type-Options", "nosniff");
        if (!method.equals("GET") && !method.equals("HEAD")) {
            headers.put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, 405);
            return true;
        }
        headers.put(HttpHeader.CACHE_CONTROL, CACHE);
        headers.put(HttpHeader.ETAG, asset.etag());
        if (asset.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            callback.succeeded();
            return true;
        }
        headers.put(HttpHeader.CONTENT_TYPE, asset.contentType());
        headers.put(HttpHeader.CONTENT_LENGTH, asset.bytes().length);
        response.setStatus(200);
        response.write(true, method.equals("HEAD") ? null : ByteBuffer.wrap(asset.bytes()), callback);
        return true;
    }
}
