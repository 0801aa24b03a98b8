package io.herald.api;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Validate;
import io.herald.api.Router.Access;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.endpoint.OperationalEndpoints;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Svix's operational webhook endpoint routes, {@code /api/v1/operational-webhook/endpoint…}: admin
 * only (to an application token they do not exist; a viewer may read them, but not the secret or
 * header values). The shapes are Svix's
 * OperationalWebhookEndpoint{In,UpsertIn,Out,SecretIn,SecretOut,HeadersIn,HeadersOut}, in both
 * generations of its names ({@code eventTypes}/{@code filterTypes}, {@code throttleRate}/{@code rateLimit}),
 * plus Herald's endpoint additions ({@code format}, {@code filter}, {@code signature}, {@code retry},
 * {@code timeoutMs}), which a PUT that leaves them out keeps.
 */
final class OperationalRoutes {
    static final String BASE = "/api/v1/operational-webhook/endpoint";

    private OperationalRoutes() {}

    static void add(Router r, Herald h) {
        OperationalEndpoints ops = h.operationalEndpoints();
        String one = BASE + "/{endpoint_id}";
        // Newest first unless ?order=ascending, as the endpoints of an application.
        r.add("GET", BASE, c -> Reply.ok(Out.page(ops.list(c.page(true)), OperationalRoutes::endpoint)));
        r.add("POST", BASE, c -> Reply.created(endpoint(ops.create(In.endpoint(c.json())))));
        r.add("GET", one, c -> Reply.ok(endpoint(ops.get(c.param("endpoint_id")))));
        r.add("PUT", one, c -> {
            // Svix's upsert: a missing endpoint is created, with the path's id as its uid.
            JsonNode body = c.json();
            refuseCreateOnly(body);
            var current = ops.find(c.param("endpoint_id"));
            if (current.isEmpty()) {
                try {
                    return Reply.created(endpoint(ops.createAlongside(c.param("endpoint_id"), In.endpoint(body))));
                } catch (HeraldException.Conflict raced) {
                    current = ops.find(c.param("endpoint_id"));
                    if (current.isEmpty()) {
                        throw raced;
                    }
                }
            }
            JsonNode kept = Routes.keeping(Routes.endpointAsInput(current.get()), Out.ENDPOINT_EXTENSIONS, body);
            if (!kept.has("uid") && c.param("endpoint_id").equals(current.get().uid())) {
                ((ObjectNode) kept).put("uid", current.get().uid());
            }
            return Reply.ok(endpoint(ops.update(current.get().id(), In.endpoint(kept))));
        });
        r.add("DELETE", one, c -> {
            ops.delete(c.param("endpoint_id"));
            return Reply.noContent();
        });
        // Credentials: not for viewers either.
        r.add("GET", one + "/secret", Access.ADMIN_ONLY, c -> Reply.ok(Map.of("key", ops.secret(c.param("endpoint_id")))));
        r.add("POST", one + "/secret/rotate", c -> {
            JsonNode body = c.jsonOrEmpty();
            Integer grace = Validate.range("gracePeriodSeconds", In.integer(body, "gracePeriodSeconds"), 0, Routes.MAX_GRACE_SECONDS);
            ops.rotateSecret(c.param("endpoint_id"), In.str(body, "key"),
                    grace == null ? Endpoints.DEFAULT_ROTATION_OVERLAP : Duration.ofSeconds(grace));
            return Reply.noContent();
        });
        r.add("GET", one + "/headers", Access.ADMIN_ONLY, c -> Reply.ok(Routes.headersOut(ops.headers(c.param("endpoint_id")))));
        r.add("PUT", one + "/headers", c -> {
            Map<String, String> headers = In.stringMap(c.json(), "headers");
            if (headers == null) {
                throw new HeraldException.InvalidInput("headers", "is required");
            }
            ops.setHeaders(c.param("endpoint_id"), headers, In.stringSet(c.json(), "sensitive"));
            return Reply.noContent();
        });
    }

    /**
     * Svix's OperationalWebhookEndpointOut with Herald's additions: an endpoint's shape without
     * what operational endpoints do not have ({@code channels}, {@code version}).
     */
    static Map<String, Object> endpoint(Endpoint e) {
        Map<String, Object> m = Out.endpoint(e);
        m.remove("channels");
        m.remove("version");
        return m;
    }

    /** Svix's upsert takes no secret and no headers: they have routes of their own. */
    private static void refuseCreateOnly(JsonNode body) {
        for (String field : new String[] {"secret", "headers"}) {
            if (In.node(body, field) != null) {
                throw new HeraldException.InvalidInput(field, "is not part of an upsert; use the …/" + (field.equals("secret")
                        ? "secret/rotate" : "headers") + " route of the endpoint");
            }
        }
    }
}
