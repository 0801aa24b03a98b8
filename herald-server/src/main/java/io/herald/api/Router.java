package io.herald.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Maps a method and a path such as {@code /api/v1/app/{app_id}} to a route. */
final class Router {
    @FunctionalInterface
    interface Handler {
        Reply handle(Call call);
    }

    private record Route(String method, String[] segments, Handler handler) {}

    /** A matched route with its path parameters. */
    record Match(Handler handler, Map<String, String> params) {}

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String pattern, Handler handler) {
        routes.add(new Route(method, split(pattern), handler));
        return this;
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
        for (Route r : routes) {
            Map<String, String> params = match(r.segments(), parts);
            if (params != null) {
                if (r.method().equals(method)) {
                    return new Match(r.handler(), params);
                }
                allowed.add(r.method());
            }
        }
        if (!allowed.isEmpty()) {
            throw new ApiError(405, "method_not_allowed", null, method + " is not allowed here; use " + String.join(", ", allowed));
        }
        throw new ApiError(404, "not_found", null, "no such path: " + path);
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
                params.put(p.substring(1, p.length() - 1), java.net.URLDecoder.decode(parts[i], java.nio.charset.StandardCharsets.UTF_8));
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
