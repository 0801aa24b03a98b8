package io.herald.api;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import io.herald.api.Router.Access;
import io.herald.app.Applications;
import io.herald.attempt.AttemptQuery;
import io.herald.auth.Principal;
import io.herald.auth.Tokens;
import io.herald.endpoint.CustomHeaders;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.eventtype.EventType;
import io.herald.eventtype.EventTypes;
import io.herald.message.MessageQuery;
import io.herald.task.BackgroundTask;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Svix v1 management API, route by route. A route whose path names {@code {app_id}} is open
 * to that application's tokens, any other only to admin tokens, unless it says otherwise (see
 * {@link Access}).
 */
final class Routes {
    /** Svix's bound on how long a rotated-out secret may keep signing: 7 days. */
    static final int MAX_GRACE_SECONDS = 7 * 24 * 3600;

    private Routes() {}

    /**
     * Readiness: 200 while the database answers and this node's claim loop runs, else 503 with the
     * reason ({@code store_unavailable}, {@code not_claiming}); see {@link io.herald.Readiness}.
     */
    private static Reply ready(Herald h) {
        return h.readiness().check().map(no -> {
            Reply r = ApiHandler.problem(503, "not_ready", null, no.detail());
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) r.body();
            p.put("reason", no.reason());
            return r;
        }).orElseGet(() -> Reply.ok(Map.of("status", "ready")));
    }

    static Router build(Herald h) {
        Router r = new Router();
        for (String method : new String[] {"GET", "HEAD"}) {
            r.add(method, "/api/v1/health", Access.PUBLIC, c -> Reply.noContent());
            r.add(method, "/api/v1/health/ping", Access.PUBLIC, c -> Reply.noContent());
            r.add(method, "/api/v1/health/ready", Access.PUBLIC, c -> ready(h));
        }
        OpenApiDocument openApi = OpenApiDocument.get();
        r.add("GET", OpenApiDocument.PATH, Access.PUBLIC, openApi::reply);
        r.add("GET", MetricsPage.PATH, Access.ADMIN, c -> MetricsPage.reply(h));

        // Authentication: application tokens and their end
        // Running it again creates the application at most once and issues another token.
        r.addSecretReply("POST", "/api/v1/auth/app-portal-access/{app_id}", Access.ADMIN, c -> PortalAccess.issue(h, c));
        r.add("POST", "/api/v1/auth/logout", Access.CALLER, c -> {
            Principal caller = c.principal();
            if (caller.isAdmin()) {
                throw new ApiError(403, "forbidden", null, "logout revokes application tokens only; revoke an admin token with "
                        + "DELETE " + AccessRoutes.TOKENS + "/{token_id} (HERALD_ADMIN_TOKEN's is replaced by changing the variable)");
            }
            h.tokens().revoke(caller);
            return Reply.noContent();
        });

        r.add("POST", "/api/v1/auth/app/{app_id}/expire-all", Access.ADMIN, c -> {
            JsonNode body = c.jsonOrEmpty();
            var sessions = In.stringSet(body, "sessionIds");
            if (sessions != null && !sessions.isEmpty()) {
                throw new HeraldException.InvalidInput("sessionIds", "Herald issues no token sessions; leave it out to expire every token");
            }
            Integer expiry = Validate.range("expiry", In.integer(body, "expiry"), 0, (int) Tokens.APP_TOKEN_MAX.toSeconds());
            h.tokens().expireAll(h.applications().get(c.param("app_id")).id(), Duration.ofSeconds(expiry == null ? 0 : expiry));
            return Reply.noContent();
        });

        // Applications
        r.add("GET", "/api/v1/app", c -> Reply.ok(Out.page(h.applications().list(c.page(false)), Out::application)));
        r.add("POST", "/api/v1/app", c -> {
            Applications.Created made = h.applications().create(In.application(c.json()), c.queryBool("get_if_exists", false));
            return new Reply(made.created() ? 201 : 200, Out.application(made.application()));
        });
        r.add("GET", "/api/v1/app/{app_id}", c -> Reply.ok(Out.application(h.applications().get(c.param("app_id")))));
        // An application token may read its application's record but not change or delete it.
        r.add("PUT", "/api/v1/app/{app_id}", Access.APPLICATION_ADMIN, c -> {
            Applications.Created made = h.applications().upsert(c.param("app_id"), In.application(c.json()));
            return new Reply(made.created() ? 201 : 200, Out.application(made.application()));
        });
        r.add("PATCH", "/api/v1/app/{app_id}", Access.APPLICATION_ADMIN, c -> {
            var current = h.applications().get(c.param("app_id"));
            JsonNode merged = merge(Out.application(current), c.json());
            return Reply.ok(Out.application(h.applications().update(current.id(), In.application(merged))));
        });
        r.add("DELETE", "/api/v1/app/{app_id}", Access.APPLICATION_ADMIN, c -> {
            h.applications().delete(c.param("app_id"));
            return Reply.noContent();
        });

        // Event types
        r.add("GET", "/api/v1/event-type", c -> {
            boolean withContent = c.queryBool("with_content", false);
            return Reply.ok(Out.page(h.eventTypes().list(c.page(false), c.queryBool("include_archived", false)),
                    t -> Out.eventType(t, withContent)));
        });
        r.add("POST", "/api/v1/event-type", c -> Reply.created(Out.eventType(h.eventTypes().create(In.eventType(c.json())), true)));
        r.add("GET", "/api/v1/event-type/{name}", c -> Reply.ok(Out.eventType(h.eventTypes().get(c.param("name")), true)));
        r.add("PUT", "/api/v1/event-type/{name}", c -> {
            JsonNode body = h.eventTypes().find(c.param("name"))
                    .map(current -> keeping(Out.eventType(current, true), Out.EVENT_TYPE_EXTENSIONS, c.json()))
                    .orElse(c.json());
            EventTypes.Created made = h.eventTypes().upsert(c.param("name"), In.eventType(body));
            return new Reply(made.created() ? 201 : 200, Out.eventType(made.eventType(), true));
        });
        r.add("PATCH", "/api/v1/event-type/{name}", c -> {
            EventType current = h.eventTypes().get(c.param("name"));
            return Reply.ok(Out.eventType(h.eventTypes().upsert(current.name(), In.eventTypePatched(current, c.json())).eventType(), true));
        });
        r.add("DELETE", "/api/v1/event-type/{name}", c -> {
            h.eventTypes().delete(c.param("name"), c.queryBool("expunge", false));
            return Reply.noContent();
        });

        // Endpoints
        String ep = "/api/v1/app/{app_id}/endpoint/{endpoint_id}";
        // Newest first unless ?order=ascending, like Svix's server.
        r.add("GET", "/api/v1/app/{app_id}/endpoint", c ->
                Reply.ok(Out.page(h.endpoints().list(c.param("app_id"), c.page(true)), Out::endpoint)));
        r.add("POST", "/api/v1/app/{app_id}/endpoint", c ->
                Reply.created(Out.endpoint(h.endpoints().create(c.param("app_id"), In.endpoint(c.json())))));
        r.add("GET", ep, c -> Reply.ok(Out.endpoint(h.endpoints().get(c.param("app_id"), c.param("endpoint_id")))));
        r.add("PUT", ep, c -> {
            // Svix's upsert: an endpoint that does not exist is created, with the path's id as its uid.
            var current = h.endpoints().find(c.param("app_id"), c.param("endpoint_id"));
            if (current.isEmpty()) {
                try {
                    return Reply.created(Out.endpoint(h.endpoints().createAlongside(c.param("app_id"), c.param("endpoint_id"),
                            In.endpoint(c.json()))));
                } catch (HeraldException.Conflict raced) {
                    // A concurrent PUT created it since the look above: replace it, as if this one came second.
                    current = h.endpoints().find(c.param("app_id"), c.param("endpoint_id"));
                    if (current.isEmpty()) {
                        throw raced;
                    }
                }
            }
            JsonNode body = keeping(endpointAsInput(current.get()), Out.ENDPOINT_EXTENSIONS, c.json());
            if (!body.has("uid") && c.param("endpoint_id").equals(current.get().uid())) {
                // Addressed by its uid and sent without one: the same PUT twice must not clear it.
                ((ObjectNode) body).put("uid", current.get().uid());
            }
            return Reply.ok(Out.endpoint(h.endpoints().update(c.param("app_id"), current.get().id(), In.endpoint(body))));
        });
        r.add("PATCH", ep, c -> {
            Endpoint current = h.endpoints().get(c.param("app_id"), c.param("endpoint_id"));
            return Reply.ok(Out.endpoint(h.endpoints().update(c.param("app_id"), current.id(), In.endpointPatched(current, c.json()))));
        });
        r.add("DELETE", ep, c -> {
            h.endpoints().delete(c.param("app_id"), c.param("endpoint_id"));
            return Reply.noContent();
        });
        r.add("GET", ep + "/secret", Access.APPLICATION_CREDENTIALS, c -> Reply.ok(Map.of("key", h.endpoints().secret(c.param("app_id"), c.param("endpoint_id")))));
        r.add("POST", ep + "/secret/rotate", c -> {
            JsonNode body = c.jsonOrEmpty();
            Integer grace = Validate.range("gracePeriodSeconds", In.integer(body, "gracePeriodSeconds"), 0, MAX_GRACE_SECONDS);
            h.endpoints().rotateSecret(c.param("app_id"), c.param("endpoint_id"), In.str(body, "key"),
                    grace == null ? Endpoints.DEFAULT_ROTATION_OVERLAP : Duration.ofSeconds(grace));
            return Reply.noContent();
        });
        r.add("GET", ep + "/headers", Access.APPLICATION_CREDENTIALS, c -> Reply.ok(
                headersOut(h.endpoints().headers(c.param("app_id"), c.param("endpoint_id")))));
        r.add("PUT", ep + "/headers", c -> {
            h.endpoints().setHeaders(c.param("app_id"), c.param("endpoint_id"), requireMap(c.json(), false), false,
                    In.stringSet(c.json(), "sensitive"));
            return Reply.noContent();
        });
        r.add("PATCH", ep + "/headers", c -> {
            Map<String, String> headers = new LinkedHashMap<>(requireMap(c.json(), true));
            Set<String> delete = In.stringSet(c.json(), "deleteHeaders");
            if (delete != null) {
                delete.forEach(name -> headers.put(name, null));
            }
            h.endpoints().setHeaders(c.param("app_id"), c.param("endpoint_id"), headers, true, In.stringSet(c.json(), "sensitive"));
            return Reply.noContent();
        });

        r.add("POST", ep + "/send-example", c -> {
            JsonNode body = c.json();
            Integer index = In.integer(body, "exampleIndex");
            var sent = h.messages().sendExample(c.param("app_id"), c.param("endpoint_id"),
                    Validate.required("eventType", In.str(body, "eventType")), index == null ? 0 : index);
            return Reply.accepted(Out.message(sent.message(), true));
        });

        // Messages
        r.add("GET", "/api/v1/app/{app_id}/msg", c -> {
            boolean withContent = c.queryBool("with_content", true);
            MessageQuery q = new MessageQuery(c.queryAll("event_types"), c.queryChannel(), c.queryTag(),
                    c.queryInstant("before"), c.queryInstant("after"));
            return Reply.ok(Out.page(h.messages().list(c.param("app_id"), q, c.page(true)), m -> Out.message(m, withContent)));
        });
        r.add("POST", "/api/v1/app/{app_id}/msg", c -> {
            // Every input is read before the publish commits: nothing after it may refuse the request.
            boolean withContent = c.queryBool("with_content", true);
            var published = h.messages().create(c.param("app_id"), In.message(c.json(), c.body()), c.reservedId());
            return Reply.created(Out.message(published.message(), withContent));
        });
        r.add("GET", "/api/v1/app/{app_id}/msg/{msg_id}", c ->
                Reply.ok(Out.message(h.messages().get(c.param("app_id"), c.param("msg_id")), c.queryBool("with_content", true))));
        r.add("DELETE", "/api/v1/app/{app_id}/msg/{msg_id}/content", c -> {
            h.messages().expungeContent(c.param("app_id"), c.param("msg_id"));
            // A publish kept under an idempotency key holds the payload too: replays show it deleted.
            var expunged = h.messages().get(c.param("app_id"), c.param("msg_id"));
            h.idempotencyKeys().replaceKeptBodies(expunged.id(), Json.MAPPER.writeValueAsString(Out.message(expunged, true)));
            return Reply.noContent();
        });

        // Attempts
        r.add("GET", "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", c -> {
            boolean withContent = c.queryBool("with_content", true);
            return Reply.ok(Out.page(h.attempts().byEndpoint(c.param("app_id"), c.param("endpoint_id"), attemptQuery(c, null),
                    c.page(true)), a -> Out.attempt(a, withContent)));
        });
        r.add("GET", "/api/v1/app/{app_id}/attempt/msg/{msg_id}", c -> {
            boolean withContent = c.queryBool("with_content", true);
            return Reply.ok(Out.page(h.attempts().byMessage(c.param("app_id"), c.param("msg_id"),
                    attemptQuery(c, c.query("endpoint_id")), c.page(true)), a -> Out.attempt(a, withContent)));
        });
        r.add("GET", "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", c -> Reply.ok(Out.attempt(
                h.attempts().get(c.param("app_id"), c.param("msg_id"), c.param("attempt_id")), true)));
        r.add("DELETE", "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content", c -> {
            h.attempts().expungeContent(c.param("app_id"), c.param("msg_id"), c.param("attempt_id"));
            return Reply.noContent();
        });
        r.add("POST", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", c -> {
            h.messages().resend(c.param("app_id"), c.param("msg_id"), c.param("endpoint_id"));
            return Reply.accepted();
        });

        // Recovery and delivery state: background tasks, endpoint stats, attempted messages and destinations
        r.add("POST", ep + "/recover", c -> {
            JsonNode body = c.json();
            return Reply.accepted(Out.taskStarted(h.tasks().recover(c.param("app_id"), c.param("endpoint_id"),
                    In.instant(body, "since"), In.instant(body, "until"))));
        });
        r.add("POST", ep + "/replay-missing", c -> {
            JsonNode body = c.json();
            return Reply.accepted(Out.taskStarted(h.tasks().replayMissing(c.param("app_id"), c.param("endpoint_id"),
                    In.instant(body, "since"), In.instant(body, "until"))));
        });
        // Any token: an application token sees its own application's tasks (a recover it started), and
        // another application's task is as missing to it as one that does not exist.
        r.add("GET", "/api/v1/background-task", Access.CALLER, c -> {
            String status = c.query("status");
            return Reply.ok(Out.page(h.tasks().list(c.principal().appId(),
                    status == null ? null : BackgroundTask.Status.parse("status", status), c.query("task"), c.page(true)), Out::task));
        });
        r.add("GET", "/api/v1/background-task/{task_id}", Access.CALLER,
                c -> Reply.ok(Out.task(h.tasks().get(c.principal().appId(), c.param("task_id")))));
        r.add("GET", ep + "/stats", c -> Reply.ok(Out.stats(h.latestDeliveries().stats(c.param("app_id"), c.param("endpoint_id"),
                c.queryInstant("since"), c.queryInstant("until")))));
        r.add("GET", ep + "/msg", c -> {
            boolean withContent = c.queryBool("with_content", true);
            // Herald cancels no delivery, so the statuses are the same with or without Svix's expanded ones.
            c.queryBool("expanded_statuses", true);
            MessageQuery q = new MessageQuery(c.queryAll("event_types"), c.queryChannel(), c.queryTag(),
                    c.queryInstant("before"), c.queryInstant("after"));
            return Reply.ok(Out.page(h.latestDeliveries().messages(c.param("app_id"), c.param("endpoint_id"), q,
                    c.queryInt("status"), c.page(true)), s -> Out.endpointMessage(s, withContent)));
        });
        r.add("GET", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint", c -> Reply.ok(Out.page(
                h.latestDeliveries().endpoints(c.param("app_id"), c.param("msg_id"), c.page(false)), Out::messageEndpoint)));

        OperationalRoutes.add(r, h);
        AccessRoutes.add(r, h);
        return r;
    }

    private static AttemptQuery attemptQuery(Call c, String endpointId) {
        if (c.queryBool("with_msg", false)) {
            throw new HeraldException.InvalidInput("with_msg", "is not supported: read the message with GET /api/v1/app/{app_id}/msg/{msg_id}");
        }
        return new AttemptQuery(c.queryInt("status"), endpointId, c.queryInstant("before"), c.queryInstant("after"),
                c.queryInt("status_code_class"), c.queryChannel(), c.queryTag(), c.queryAll("event_types"));
    }

    /**
     * Svix's EndpointHeadersOut: every header, sensitive values masked, and the names of the
     * sensitive ones (Svix leaves those out of {@code headers}; Herald shows them masked, and a
     * masked value sent back keeps the stored one).
     */
    static Map<String, Object> headersOut(CustomHeaders headers) {
        return Map.of("headers", headers.masked(), "sensitive", headers.sensitiveNames());
    }

    /** An endpoint as it would be written to recreate it: its output plus its custom headers. */
    static Map<String, Object> endpointAsInput(Endpoint current) {
        Map<String, Object> m = Out.endpoint(current);
        m.put("headers", current.headers());
        return m;
    }

    private static Map<String, String> requireMap(JsonNode body, boolean nullsAllowed) {
        Map<String, String> m = In.stringMap(body, "headers", nullsAllowed);
        if (m == null) {
            throw new HeraldException.InvalidInput("headers", "is required");
        }
        return m;
    }

    /**
     * A PUT body with Herald's additions ({@code keys}) kept from {@code current} where the body
     * leaves them out: Svix clients replace a resource with the fields they know, and must not
     * erase what they cannot see. A body that names one (null included) decides it.
     */
    static JsonNode keeping(Map<String, Object> current, List<String> keys, JsonNode body) {
        Map<String, Object> kept = new LinkedHashMap<>();
        keys.forEach(k -> kept.put(k, current.get(k)));
        return merge(kept, body);
    }

    /** JSON merge of a PATCH body onto the current state: present fields replace, null clears. */
    static JsonNode merge(Map<String, Object> current, JsonNode patch) {
        ObjectNode base = Json.MAPPER.valueToTree(current);
        // A member given under one of its two Svix names replaces the current value under both.
        for (String name : patch.propertyNames()) {
            String alias = In.ALIASES.get(name);
            if (alias != null && !patch.has(alias)) {
                base.remove(alias);
            }
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            base.set(e.getKey(), e.getValue());
        }
        return base;
    }
}
