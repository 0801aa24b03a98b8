package io.herald.api;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import io.herald.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Herald's OpenAPI document as tests read it: its operations, and a check that a real response
 * (method, path, status, content type, body) is one the document describes, its body valid
 * against the operation's response schema (by the JSON Schema library Herald uses for event
 * types, in the OpenAPI 3.1 dialect). Nothing is fetched: every {@code $ref} is inside the document.
 */
public final class OpenApiContract {
    /** Where the document is registered for the schema library; never fetched. */
    private static final String ID = "https://herald.invalid/openapi.json";
    static final List<String> METHODS = List.of("get", "head", "post", "put", "patch", "delete");
    private static final OpenApiContract INSTANCE = new OpenApiContract(read());

    final String text;
    final JsonNode doc;
    private final SchemaRegistry registry;
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

    private OpenApiContract(String text) {
        this.text = text;
        this.doc = Json.read(text);
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), b -> b
                .schemas(Map.of(ID, text))
                .schemaLoader(l -> l.fetchRemoteResources(false))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    public static OpenApiContract get() {
        return INSTANCE;
    }

    private static String read() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream(OpenApiDocument.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every operation as {@code METHOD /path/{template}}. */
    Set<String> operations() {
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (String m : METHODS) {
                if (path.getValue().has(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return out;
    }

    /** The path template of the document that {@code path} (no query) is an instance of, or null; literal segments win. */
    String template(String path) {
        String[] parts = path.split("/", -1);
        String best = null;
        int bestLiterals = -1;
        for (String t : (Iterable<String>) doc.get("paths").propertyNames()::iterator) {
            String[] segs = t.split("/", -1);
            if (segs.length != parts.length) {
                continue;
            }
            int literals = 0;
            boolean fits = true;
            for (int i = 0; i < segs.length && fits; i++) {
                if (segs[i].startsWith("{")) {
                    fits = !parts[i].isEmpty();
                } else {
                    fits = segs[i].equals(parts[i]);
                    literals++;
                }
            }
            if (fits && literals > bestLiterals) {
                best = t;
                bestLiterals = literals;
            }
        }
        return best;
    }

    /** A schema of the document by JSON pointer, e.g. {@code /components/schemas/Problem}. */
    Schema schema(String pointer) {
        return compiled.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(ID + "#" + p)));
    }

    /**
     * What is wrong with this response according to the document, or null when it is described.
     * Requests to paths or methods the document does not have are Herald's 404 and 405: their
     * problem documents are checked against {@code Problem}.
     */
    public String violation(String method, String path, int status, Function<String, String> header, String body) {
        String contentType = header.apply("content-type");
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String template = template(p);
        String m = method.toLowerCase(Locale.ROOT);
        String where = method + " " + p + " (" + template + ") -> " + status;
        if (template == null || !doc.get("paths").get(template).has(m)) {
            return status == 404 || status == 405 || status == 401 ? checkBody(where, "/components/schemas/Problem", body) : where + ": not in the document";
        }
        JsonNode responses = doc.get("paths").get(template).get(m).get("responses");
        String key = responses.has(Integer.toString(status)) ? Integer.toString(status)
                : responses.has(status / 100 + "XX") ? status / 100 + "XX" : responses.has("default") && status >= 400 ? "default" : null;
        if (key == null) {
            return where + ": status not documented (documented: " + String.join(", ", responses.propertyNames()) + ")";
        }
        JsonNode response = resolve(responses.get(key));
        if (response.has("headers")) {
            for (Map.Entry<String, JsonNode> h : response.get("headers").properties()) {
                if (resolve(h.getValue()).path("required").asBoolean(false) && header.apply(h.getKey()) == null) {
                    return where + ": no " + h.getKey() + " header, which the document says is always there";
                }
            }
        }
        boolean hasBody = body != null && !body.isEmpty();
        JsonNode content = response.get("content");
        if (content == null || m.equals("head")) {
            return hasBody ? where + ": a body where the document describes none: " + abbreviate(body) : null;
        }
        if (!hasBody) {
            return where + ": no body where the document describes one";
        }
        String type = contentType == null ? null : contentType.split(";")[0].strip();
        if (type == null || !content.has(type)) {
            return where + ": content type " + type + " not documented (documented: " + String.join(", ", content.propertyNames()) + ")";
        }
        if (!type.endsWith("json")) {
            return null; // a text answer (a metrics exposition, say): its type is what the document can say of it
        }
        String pointer = pointerOf(responses.get(key), template, m, key) + "/content/" + escape(type) + "/schema";
        return checkBody(where, pointer, body);
    }

    /**
     * What is wrong with this request body according to the operation's {@code requestBody}, or
     * null: a request Herald accepts must be one the document accepts.
     */
    public String requestViolation(String method, String path, String body) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String template = template(p);
        String m = method.toLowerCase(Locale.ROOT);
        String where = method + " " + p + " (" + template + ") request";
        JsonNode op = template == null ? null : doc.get("paths").get(template).get(m);
        if (op == null) {
            return where + ": not in the document";
        }
        JsonNode requestBody = op.has("requestBody") ? resolve(op.get("requestBody")) : null;
        if (requestBody == null) {
            return body == null || body.isEmpty() ? null : where + ": a body where the document describes none";
        }
        if (body == null || body.isEmpty()) {
            return requestBody.path("required").asBoolean(false) ? where + ": no body where the document requires one" : null;
        }
        return checkBody(where, "/paths/" + escape(template) + "/" + m + "/requestBody/content/application~1json/schema", body);
    }

    private String checkBody(String where, String pointer, String body) {
        if (body == null || body.isEmpty()) {
            return where + ": no body";
        }
        List<Error> errors = schema(pointer).validate(Json.read(body));
        if (errors.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        errors.stream().limit(10).forEach(e -> lines.add(e.getInstanceLocation() + ": " + e.getMessage()));
        return where + ": the body does not match " + pointer + ":\n  " + String.join("\n  ", lines) + "\n  body: " + abbreviate(body);
    }

    /** The pointer of a response object: its component when it is a {@code $ref}, else its place in the path item. */
    private static String pointerOf(JsonNode response, String template, String method, String key) {
        if (response.has("$ref")) {
            return response.get("$ref").asString().substring(1);
        }
        return "/paths/" + escape(template) + "/" + method + "/responses/" + key;
    }

    /** The object a {@code $ref} (to this document) names, or the node itself. */
    JsonNode resolve(JsonNode node) {
        JsonNode n = node;
        while (n != null && n.has("$ref")) {
            n = doc.at(n.get("$ref").asString().substring(1));
            if (n.isMissingNode()) {
                throw new AssertionError("unresolvable $ref " + node.get("$ref"));
            }
        }
        return n;
    }

    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviate(String body) {
        return body.length() > 2000 ? body.substring(0, 2000) + "…" : body;
    }
}
