package io.herald.api;

import io.herald.Json;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.audit.AuditEntry;
import io.herald.audit.AuditLog;
import io.herald.auth.Principal;
import io.herald.delivery.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * What {@link ApiHandler} writes to the audit log: every change that succeeded (a 2xx to a POST,
 * PUT, PATCH or DELETE, not replayed from an idempotency key), once the route has committed it and
 * before the answer goes out. Refusals change nothing and are not written: an unauthenticated
 * caller could otherwise write to the database at will.
 *
 * <p>Not in the same transaction as the change: a route commits in one or more transactions of
 * the engine's, which knows nothing of HTTP. If the node dies between the change's commit and this
 * row's, the row is lost (as an idempotency key's response is, see docs/architecture.md); if this
 * write fails, the change stands, the caller gets its answer, and the row is logged at ERROR.
 */
public final class AuditTrail {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final Set<String> READS = Set.of("GET", "HEAD");
    /**
     * Routes that change state but are not audited. The publish is the data plane, not
     * management: the message is its own record, and a row per publish would add a write to the
     * hottest path.
     */
    static final Set<String> UNAUDITED = Set.of("POST /api/v1/app/{app_id}/msg");

    private final AuditLog audit;
    private final Applications applications;
    private final List<Cidr> trustedProxies;

    public AuditTrail(AuditLog audit, Applications applications, List<Cidr> trustedProxies) {
        this.audit = audit;
        this.applications = applications;
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** Whether a successful call of {@code route} is written to the audit log. */
    static boolean audits(Router.Route route) {
        return route.access() != Router.Access.PUBLIC && !READS.contains(route.method())
                && !UNAUDITED.contains(route.method() + " " + route.pattern());
    }

    /** The application's id that {@code params} name, looked up when it is given by uid; else as given, or null. */
    String applicationOf(Map<String, String> params) {
        String named = params.get(Router.APP_PARAM);
        if (named == null || named.startsWith("app_")) {
            return named;
        }
        return applications.find(named).map(Application::id).orElse(null);
    }

    /**
     * Writes the row for a call that {@code reply} answered, if it is one to write.
     * {@code appBefore} is {@link #applicationOf} as it was before the route ran (a deleted
     * application is found no more after it).
     */
    void record(Request request, Principal principal, Router.Route route, Map<String, String> params, String appBefore,
                String body, Reply reply) {
        if (principal == null || !audits(route) || reply.status() < 200 || reply.status() >= 300) {
            return;
        }
        Encoded encoded = reply.body() instanceof Encoded e ? e : null;
        if (encoded != null && encoded.replayed()) {
            return; // the first request made the change, and was written
        }
        String app = appBefore != null ? appBefore : applicationOf(params);
        AuditEntry.Change change = new AuditEntry.Change(principal.tokenId(), principal.role().wire(), principal.appId(),
                route.method(), route.pattern(), reply.status(), app, params, idOf(reply, encoded), fieldsOf(body),
                clientAddress(request, trustedProxies));
        append(change);
    }

    /**
     * Writes the row of a change made through the web console: {@code route} is the page's
     * pattern (e.g. {@code /console/apps/new}), {@code fields} the names of the form fields that
     * carried the change (never their values).
     */
    public void recordWeb(Request request, Principal principal, String route, int status, String appId,
                          Map<String, String> params, String resourceId, List<String> fields) {
        append(new AuditEntry.Change(principal.tokenId(), principal.role().wire(), principal.appId(), request.getMethod(),
                route, status, appId, params, resourceId, fields, clientAddress(request, trustedProxies)));
    }

    private void append(AuditEntry.Change change) {
        try {
            audit.append(change);
        } catch (RuntimeException e) {
            log.error("the audit row of a change that was made could not be written: {}", change, e);
        }
    }

    /** The id the answer shows (what a create made), if it shows one. */
    private static String idOf(Reply reply, Encoded encoded) {
        if (reply.body() instanceof Map<?, ?> m) {
            return m.get("id") instanceof String id ? id : null;
        }
        if (encoded != null && encoded.bytes() != null && encoded.contentType() != null
                && encoded.contentType().startsWith("application/json")) {
            try {
                JsonNode n = Json.read(new String(encoded.bytes(), StandardCharsets.UTF_8));
                return n != null && n.isObject() && n.has("id") && n.get("id").isString() ? n.get("id").asString() : null;
            } catch (RuntimeException notJson) {
                return null;
            }
        }
        return null;
    }

    /** The top-level member names of a JSON object body, sorted; never a value. */
    static List<String> fieldsOf(String body) {
        if (body == null || body.isBlank()) {
            return List.of();
        }
        try {
            JsonNode n = Json.read(body);
            return n != null && n.isObject() ? List.copyOf(new TreeSet<>(n.propertyNames())) : List.of();
        } catch (RuntimeException notJson) {
            return List.of();
        }
    }

    /**
     * The caller's address: the connection's peer, unless the peer is one of {@code trusted}
     * (HERALD_TRUSTED_PROXIES), in which case X-Forwarded-For is read from the right, past every
     * trusted proxy, to the first address no trusted proxy stands for. What a caller writes into
     * X-Forwarded-For itself is on the left of that and never believed.
     */
    static String clientAddress(Request request, List<Cidr> trusted) {
        SocketAddress sa = request.getConnectionMetaData().getRemoteSocketAddress();
        if (!(sa instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            return sa == null ? null : sa.toString();
        }
        InetAddress peer = isa.getAddress();
        String client = peer.getHostAddress();
        byte[] current = peer.getAddress();
        if (trusted.isEmpty()) {
            return client;
        }
        List<String> hops = new ArrayList<>();
        for (String header : request.getHeaders().getValuesList("X-Forwarded-For")) {
            for (String hop : header.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.strip());
                }
            }
        }
        for (int i = hops.size() - 1; i >= 0 && isTrusted(current, trusted); i--) {
            byte[] hop;
            try {
                hop = Cidr.parse(hops.get(i)).network();
            } catch (IllegalArgumentException notAnAddress) {
                break; // the chain is not to be read further: keep the last proxy's peer
            }
            current = hop;
            client = hops.get(i);
        }
        return client;
    }

    /** Whether the connection's peer is one of {@code trusted} (HERALD_TRUSTED_PROXIES), whose forwarding headers may be believed. */
    public static boolean peerIsTrusted(Request request, List<Cidr> trusted) {
        SocketAddress sa = request.getConnectionMetaData().getRemoteSocketAddress();
        return sa instanceof InetSocketAddress isa && isa.getAddress() != null && isTrusted(isa.getAddress().getAddress(), trusted);
    }

    private static boolean isTrusted(byte[] address, List<Cidr> trusted) {
        return trusted.stream().anyMatch(c -> c.contains(address));
    }
}
