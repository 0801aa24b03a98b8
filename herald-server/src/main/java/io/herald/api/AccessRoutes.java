package io.herald.api;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Validate;
import io.herald.api.Router.Access;
import io.herald.app.Application;
import io.herald.audit.AuditEntry;
import io.herald.audit.AuditQuery;
import io.herald.auth.Principal;
import io.herald.auth.Tokens;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * Herald's routes that govern access, admin only (a viewer is refused, to an application token
 * they do not exist): API tokens under {@code /api/v1/token} and the audit log at
 * {@code /api/v1/audit}. Not part of the Svix dialect.
 */
final class AccessRoutes {
    static final String TOKENS = "/api/v1/token";
    static final String AUDIT = "/api/v1/audit";
    private static final Set<String> TOKEN_FIELDS = Set.of("role", "appId", "readOnly", "expiry", "description");
    private static final Set<String> CHANGES = Set.of("POST", "PUT", "PATCH", "DELETE");

    private AccessRoutes() {}

    static void add(Router r, Herald h) {
        // The answer holds the new token, which Herald does not keep: an idempotency key does not
        // replay it, a repeated request makes another token.
        r.addSecretReply("POST", TOKENS, Access.ADMIN_ONLY, c -> {
            Tokens.Created made = h.tokens().create(spec(h, c.json()));
            Map<String, Object> out = token(made.record());
            out.put("token", made.token());
            return Reply.created(out);
        });
        r.add("GET", TOKENS, Access.ADMIN_ONLY, c -> Reply.ok(Out.page(h.tokens().list(application(h, c.query("app_id")),
                c.page(true)), AccessRoutes::token)));
        r.add("GET", TOKENS + "/{token_id}", Access.ADMIN_ONLY, c -> Reply.ok(token(h.tokens().get(c.param("token_id")))));
        r.add("DELETE", TOKENS + "/{token_id}", Access.ADMIN_ONLY, c -> {
            h.tokens().revoke(c.param("token_id"));
            return Reply.noContent();
        });

        r.add("GET", AUDIT, Access.ADMIN_ONLY, c -> {
            String method = c.query("method");
            if (method != null && !CHANGES.contains(method.toUpperCase(Locale.ROOT))) {
                throw new HeraldException.InvalidInput("method", "must be one of POST, PUT, PATCH, DELETE");
            }
            AuditQuery q = new AuditQuery(c.queryInstant("before"), c.queryInstant("after"), c.query("token_id"),
                    application(h, c.query("app_id")), c.query("route"), method == null ? null : method.toUpperCase(Locale.ROOT));
            return Reply.ok(Out.page(h.audit().list(q, c.page(true)), AccessRoutes::entry));
        });
    }

    /** An application filter: an id as given, a uid as the id of its application (a uid of none matches nothing). */
    private static String application(Herald h, String named) {
        if (named == null || named.startsWith("app_")) {
            return named;
        }
        return h.applications().find(named).map(Application::id).orElse(named);
    }

    /** The body of {@code POST /api/v1/token}; every member is checked, unknown ones are refused. */
    private static Tokens.Spec spec(Herald h, JsonNode body) {
        for (String name : body.propertyNames()) {
            if (!TOKEN_FIELDS.contains(name)) {
                throw new HeraldException.InvalidInput(name, "is not a member of a token; use role, appId, readOnly, expiry, description");
            }
        }
        String roleName = Validate.required("role", In.str(body, "role"));
        Principal.Role role = switch (roleName) {
            case "admin" -> Principal.Role.ADMIN;
            case "viewer" -> Principal.Role.VIEWER;
            case "app" -> Principal.Role.APP;
            default -> throw new HeraldException.InvalidInput("role", "must be admin, viewer or app");
        };
        String named = In.str(body, "appId");
        Boolean readOnly = In.bool(body, "readOnly");
        String appId = null;
        if (role == Principal.Role.APP) {
            Validate.required("appId", named);
            appId = h.applications().find(named).map(Application::id)
                    .orElseThrow(() -> new HeraldException.InvalidInput("appId", "no application has this id or uid"));
        } else if (named != null) {
            throw new HeraldException.InvalidInput("appId", "is only for role app");
        } else if (readOnly != null) {
            throw new HeraldException.InvalidInput("readOnly", "is only for role app (a viewer is read-only, an admin is not)");
        }
        JsonNode expiry = In.node(body, "expiry");
        Duration lifetime = null;
        if (expiry != null) {
            long min = Tokens.LIFETIME_MIN.toSeconds();
            long max = Tokens.LIFETIME_MAX.toSeconds();
            if (!expiry.isIntegralNumber() || !expiry.canConvertToLong() || expiry.asLong() < min || expiry.asLong() > max) {
                throw new HeraldException.InvalidInput("expiry", "must be a whole number of seconds from " + min + " to " + max
                        + " (365 days); leave it out for a token that does not expire");
            }
            lifetime = Duration.ofSeconds(expiry.asLong());
        }
        String description = Validate.length("description", In.str(body, "description"), 1, Tokens.MAX_DESCRIPTION);
        return new Tokens.Spec(role, appId, Boolean.TRUE.equals(readOnly), lifetime, description);
    }

    /** A token as the API shows it: never the token itself (only its first characters), nor its hash. */
    static Map<String, Object> token(Tokens.Token t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("prefix", t.prefix());
        m.put("role", t.role());
        m.put("appId", t.appId());
        m.put("readOnly", t.readOnly());
        m.put("origin", switch (t.origin()) {
            case ISSUED -> "app-portal-access";
            default -> t.origin().column();
        });
        m.put("description", t.description());
        m.put("createdAt", Out.time(t.createdAt()));
        m.put("lastUsedAt", Out.time(t.lastUsedAt()));
        m.put("expiresAt", Out.time(t.expiresAt()));
        return m;
    }

    static Map<String, Object> entry(AuditEntry e) {
        AuditEntry.Change c = e.change();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("timestamp", Out.time(e.at()));
        m.put("tokenId", c.tokenId());
        m.put("tokenRole", c.tokenRole());
        m.put("tokenAppId", c.tokenAppId());
        m.put("method", c.method());
        m.put("route", c.route());
        m.put("status", c.status());
        m.put("appId", c.appId());
        m.put("resourceIds", new TreeMap<>(c.resourceIds()));
        m.put("resourceId", c.resourceId());
        m.put("fields", c.fields());
        m.put("remoteAddr", c.remoteAddr());
        return m;
    }
}
