package io.herald.api;

import io.herald.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** A plain HTTP client for Herald's API in tests: no Herald code on the client side. */
public final class ApiClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;
    /** When set, every response is checked against Herald's OpenAPI document (see {@link #checkedAgainstOpenApi()}). */
    private volatile OpenApiContract contract;

    public ApiClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /**
     * From now on every response this client receives must be one the OpenAPI document describes
     * for its operation and status, its body valid against the response schema; otherwise the
     * request throws an AssertionError naming the route, the status and the validation errors.
     */
    public ApiClient checkedAgainstOpenApi() {
        this.contract = OpenApiContract.get();
        return this;
    }

    /** A status, the parsed body (null when empty) and the response headers. */
    public record Answer(int status, JsonNode body, String raw, HttpHeaders headers) {
        public Answer(int status, JsonNode body, String raw) {
            this(status, body, raw, HttpHeaders.of(Map.of(), (k, v) -> true));
        }

        public String text(String field) {
            return body.get(field).asString();
        }

        /** The first value of response header {@code name} (any case), or null. */
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public Answer get(String path) {
        return send("GET", path, null);
    }

    public Answer post(String path, String json) {
        return send("POST", path, json);
    }

    public Answer put(String path, String json) {
        return send("PUT", path, json);
    }

    public Answer patch(String path, String json) {
        return send("PATCH", path, json);
    }

    public Answer delete(String path) {
        return send("DELETE", path, null);
    }

    public Answer send(String method, String path, String json) {
        return send(method, path, json, Map.of());
    }

    /** POSTs with the request header {@code idempotency-key: key}. */
    public Answer postIdempotent(String path, String json, String key) {
        return send("POST", path, json, Map.of("idempotency-key", key));
    }

    public Answer send(String method, String path, String json, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            String raw = r.body();
            OpenApiContract c = contract;
            if (c != null) {
                String violation = c.violation(method, path, r.statusCode(), name -> r.headers().firstValue(name).orElse(null), raw);
                if (violation != null) {
                    throw new AssertionError("response not as the OpenAPI document describes it: " + violation);
                }
            }
            // Bodies of other types (the /metrics text) are kept raw only.
            boolean isJson = r.headers().firstValue("content-type").map(t -> t.contains("json")).orElse(true);
            return new Answer(r.statusCode(), raw == null || raw.isEmpty() || !isJson ? null : Json.read(raw), raw, r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
