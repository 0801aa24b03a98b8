package io.herald.api;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.auth.Principal;
import io.herald.store.PageRequest;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One API request as a route sees it: who calls, path parameters, query, headers and the JSON
 * body. By the time a route runs, {@link ApiHandler} has checked that the caller may call it.
 */
final class Call {
    /** Members kept as JSON text, where U+0000 is stored escaped (see {@link Text#noNul(JsonNode, List)}). */
    private static final List<String> JSON_DOCUMENTS = List.of("payload", "schemas", "example");

    private final Principal principal;
    private final String baseUrl;
    private final Map<String, String> params;
    private final Map<String, List<String>> query;
    private final String body;
    private final java.util.function.Function<String, String> header;
    /** The body parsed by {@link #json()}; routes may read it more than once (a tree is not changed by readers). */
    private JsonNode parsed;
    /** The id reserved under the request's idempotency key (see {@link Idempotency}); null without one. */
    private String reservedId;

    Call(Principal principal, String baseUrl, Map<String, String> params, Map<String, List<String>> query, String body,
         java.util.function.Function<String, String> header) {
        this.principal = principal;
        this.baseUrl = baseUrl;
        this.params = params;
        this.query = query;
        this.body = body;
        this.header = header;
    }

    /** The caller's credential; null only on public routes (health), which take no token. */
    Principal principal() {
        return principal;
    }

    /** Scheme, host and port the request was sent to, e.g. {@code http://127.0.0.1:8080}: for links back to Herald. */
    String baseUrl() {
        return baseUrl;
    }

    String param(String name) {
        return params.get(name);
    }

    /**
     * The id a publish gives its message when the request carries an idempotency key: the same for
     * every run of that request, so a retry after an answer lost in a broken commit finds the message
     * instead of storing a second one. Null without a key.
     */
    String reservedId() {
        return reservedId;
    }

    void reserve(String id) {
        this.reservedId = id;
    }

    /** The request body as sent, or null for bodiless methods. */
    String body() {
        return body;
    }

    String header(String name) {
        return header.apply(name);
    }

    String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
    }

    /** Repeated ({@code ?a=1&a=2}) or comma-separated values. */
    Set<String> queryAll(String name) {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : v) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    /** The {@code channel} filter of a list, checked against Svix's pattern; null when absent. */
    String queryChannel() {
        return io.herald.Validate.channel("channel", query("channel"));
    }

    /** The {@code tag} filter of a list, checked against Svix's pattern; null when absent. */
    String queryTag() {
        return io.herald.Validate.uid("tag", query("tag"));
    }

    boolean queryBool(String name, boolean dflt) {
        String v = query(name);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new HeraldException.InvalidInput(name, "must be true or false");
        };
    }

    Integer queryInt(String name) {
        String v = query(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new HeraldException.InvalidInput(name, "must be an integer");
        }
    }

    Instant queryInstant(String name) {
        return In.instant(name, query(name));
    }

    PageRequest page(boolean newestFirst) {
        Integer limit = queryInt("limit");
        String order = query("order");
        boolean newest = newestFirst;
        if (order != null) {
            newest = switch (order) {
                case "descending" -> true;
                case "ascending" -> false;
                default -> throw new HeraldException.InvalidInput("order", "must be ascending or descending");
            };
        }
        return new PageRequest(limit == null ? PageRequest.DEFAULT_LIMIT : limit, query("iterator"), newest);
    }

    /**
     * Checks a body that was sent, whether the route reads it or not: JSON, each member once, no
     * U+0000. A route that reads no body thus still refuses a hostile one.
     */
    void checkBody() {
        if (body != null && !body.isBlank()) {
            json();
        }
    }

    /** The body as a JSON object; a missing or malformed body is a 400 that says where. Parsed once. */
    JsonNode json() {
        if (parsed != null) {
            return parsed;
        }
        if (body == null || body.isBlank()) {
            throw ApiError.badRequest("body", "a JSON object is required");
        }
        JsonNode node;
        try {
            node = Json.readStrict(body);
        } catch (JacksonException e) {
            String duplicate = Json.duplicatePath(e);
            if (duplicate != null) {
                throw ApiError.badRequest(duplicate, "is given more than once; send each member once");
            }
            throw ApiError.badRequest("body", "is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("body", "must be a JSON object");
        }
        Text.noNul(node, JSON_DOCUMENTS);
        parsed = node;
        return node;
    }

    /** The body when one is optional (e.g. rotate with no key). */
    JsonNode jsonOrEmpty() {
        return body == null || body.isBlank() ? Json.MAPPER.createObjectNode() : json();
    }
}
