package io.herald.api;

import io.herald.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Herald's OpenAPI 3.1 document, {@code openapi/herald.json} in the jar: read once, served as the
 * same bytes for the life of the process with a strong ETag (the first bytes of its SHA-256), so a
 * client revalidates with {@code If-None-Match} and gets a 304. Written by hand; the tests
 * {@code OpenApiDocumentTest} (every route in the router is in the document and nothing else) and
 * the response check of {@code ApiClient} keep it true.
 */
final class OpenApiDocument {
    static final String PATH = "/api/v1/openapi.json";
    static final String RESOURCE = "/openapi/herald.json";

    private static final OpenApiDocument INSTANCE = load();

    private final byte[] bytes;
    private final String etag;

    private OpenApiDocument(byte[] bytes, String etag) {
        this.bytes = bytes;
        this.etag = etag;
    }

    static OpenApiDocument get() {
        return INSTANCE;
    }

    private static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            byte[] bytes = in.readAllBytes();
            Json.read(new String(bytes, StandardCharsets.UTF_8)); // a broken document fails the start, not a client
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new OpenApiDocument(bytes, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The document, or 304 when the request's If-None-Match names its ETag (or {@code *}). */
    Reply reply(Call call) {
        Map<String, String> headers = Map.of("ETag", etag, "Cache-Control", "no-cache");
        if (matches(call.header("If-None-Match"))) {
            return new Reply(304, null, headers);
        }
        return new Reply(200, new Encoded("application/json", bytes, false), headers);
    }

    /** RFC 9110's weak comparison, which If-None-Match uses: {@code W/} is ignored. */
    private boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
