package io.herald.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Maps a method and a path such as {@code /api/v1/app/{app_id}} to a route and who may call it.
 * Public only for {@link Access}, which the web console's routes use too (see {@link Authorizer}).
 */
public final class Router {
    /** The path parameter that names an application, by id or uid. */
    public static final String APP_PARAM = "app_id";

    @FunctionalInterface
    interface Handler {
        Reply handle(Call call);
    }

    /**
     * Who may call a route; {@link ApiHandler} enforces it. A route added without one gets
     * {@link #APPLICATION} when its path names an application (open to that application's
     * tokens), else {@link #ADMIN} (closed to every application token). Viewer tokens may GET and
     * HEAD every route but {@link #APPLICATION_CREDENTIALS} and {@link #ADMIN_ONLY} ones, and
     * nothing else (403).
     */
    public enum Access {
        /** No token needed (health). */
        PUBLIC,
        /** Any valid token, acting on that token itself (logout); read-only tokens too. */
        CALLER,
        /** Admin tokens, and tokens of the application named by {@link #APP_PARAM}. */
        APPLICATION,
        /**
         * As {@link #APPLICATION}, but the answer is a credential (an endpoint's signing secret, its
         * custom header values): a read-only token is forbidden.
         */
        APPLICATION_CREDENTIALS,
        /**
         * Admin tokens only, but the path names an application: a token of another application
         * is told nothing exists, a token of this one is forbidden (the application record itself).
         */
        APPLICATION_ADMIN,
        /** Admin tokens, and viewers to read; to application tokens the route does not exist. */
        ADMIN,
        /**
         * As {@link #ADMIN}, but a viewer is forbidden too: the answer is a credential (an
         * operational endpoint's secret, its header values) or governs access itself (API tokens,
         * the audit log).
         */
        ADMIN_ONLY
    }

    /**
     * A route as declared, for authorization and for tests that walk the table. With
     * {@code secretReply} its reply holds a secret made for that one request (a new token), which
     * Herald never stores, so an idempotency key does not replay it: the route runs again.
     */
    record Route(String method, String pattern, Access access, Handler handler, boolean secretReply) {}

    private record Entry(Route route, String[] segments) {}

    /** A matched route with its path parameters. */
    record Match(Route route, Map<String, String> params) {
        Handler handler() {
            return route.handler();
        }

        Access access() {
            return route.access();
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    Router add(String method, String pattern, Handler handler) {
        return add(method, pattern, pattern.contains("{" + APP_PARAM + "}") ? Access.APPLICATION : Access.ADMIN, handler);
    }

    Router add(String method, String pattern, Access access, Handler handler) {
        return add(method, pattern, access, handler, false);
    }

    /** A route whose reply holds a new secret (see {@link Route}); running it again must be harmless. */
    Router addSecretReply(String method, String pattern, Access access, Handler handler) {
        return add(method, pattern, access, handler, true);
    }

    private Router add(String method, String pattern, Access access, Handler handler, boolean secretReply) {
        boolean namesApp = pattern.contains("{" + APP_PARAM + "}");
        if ((access == Access.APPLICATION || access == Access.APPLICATION_ADMIN) && !namesApp) {
            throw new IllegalArgumentException(method + " " + pattern + ": " + access + " needs {" + APP_PARAM + "} in the path");
        }
        entries.add(new Entry(new Route(method, pattern, access, handler, secretReply), split(pattern)));
        return this;
    }

    /** Every route in the order added. */
    List<Route> routes() {
        return entries.stream().map(Entry::route).toList();
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.split("/", -1);
    }

    /** The route for {@code method path}; throws 404 or 405. */
    Match find(String method, String path) {
        String[] parts = split(path);
        Set<String> allowed = new TreeSet<>();
        for (Entry e : entries) {
            Map<String, String> params = match(e.segments(), parts);
            if (params != null) {
                if (e.route().method().equals(method)) {
                    return new Match(e.route(), params);
                }
                allowed.add(e.route().method());
            }
        }
        if (!allowed.isEmpty()) {
            throw new ApiError(405, "method_not_allowed", null, method + " is not allowed here; use " + String.join(", ", allowed));
        }
        throw notFound(path);
    }

    /** Whether {@code path} is the path of a {@link Access#PUBLIC} route, whatever the method. */
    boolean isPublic(String path) {
        String[] parts = split(path);
        return entries.stream().anyMatch(e -> e.route().access() == Access.PUBLIC && match(e.segments(), parts) != null);
    }

    /** What an unknown path answers; also what a route answers to a token that may not know of it. */
    static ApiError notFound(String path) {
        return new ApiError(404, "not_found", null, "no such path: " + path);
    }

    private static Map<String, String> match(String[] pattern, String[] parts) {
        if (pattern.length != parts.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                String name = p.substring(1, p.length() - 1);
                params.put(name, Text.decode(name, parts[i], false));
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
