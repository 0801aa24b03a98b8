package io.herald.api;

import io.herald.HeraldException;
import io.herald.api.Router.Access;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.auth.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that decides whether a principal may call a route, for the API and the web
 * console alike: a route's {@link Access} × the caller's {@link Principal}. An application token
 * is told that nothing exists (404, word for word what a missing application or path answers)
 * wherever it may not look, so that it cannot learn of other applications or of global
 * resources; where it may look but not act, it gets 403. A viewer sees every resource, so it is
 * told 403, never 404. Refusals are thrown as {@link ApiError} or {@link HeraldException.NotFound}.
 */
public final class Authorizer {
    private final Applications applications;

    public Authorizer(Applications applications) {
        this.applications = applications;
    }

    Map<String, String> authorize(Principal principal, Router.Match match, String method, String path) {
        return authorize(principal, match.access(), match.params(), method, path);
    }

    /**
     * The path parameters the route is to see, when {@code principal} (null on a public route)
     * may call a route of {@code access} with {@code params} by {@code method}: an application is
     * then named by the id checked here, never by a uid.
     */
    public Map<String, String> authorize(Principal principal, Access access, Map<String, String> params, String method, String path) {
        if (principal == null || principal.isAdmin()) {
            return params;
        }
        if (principal.isViewer()) {
            return asViewer(access, params, method);
        }
        return switch (access) {
            case PUBLIC, CALLER -> params;
            case ADMIN, ADMIN_ONLY -> throw Router.notFound(path);
            case APPLICATION, APPLICATION_CREDENTIALS, APPLICATION_ADMIN -> inOwnApplication(principal, access, params, method);
        };
    }

    /** A viewer reads every route but those whose answer is a credential or that manage access; it changes nothing. */
    private static Map<String, String> asViewer(Access access, Map<String, String> params, String method) {
        if (access == Access.APPLICATION_CREDENTIALS || access == Access.ADMIN_ONLY) {
            throw new ApiError(403, "forbidden", null, "a viewer token does not see credentials, API tokens or the audit log");
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new ApiError(403, "forbidden", null, "a viewer token is read-only");
        }
        return params;
    }

    private Map<String, String> inOwnApplication(Principal principal, Access access, Map<String, String> params, String method) {
        String named = params.get(Router.APP_PARAM);
        Application app = applications.find(named).filter(a -> principal.reaches(a.id()))
                .orElseThrow(() -> new HeraldException.NotFound("application", named));
        if (access == Access.APPLICATION_ADMIN) {
            throw new ApiError(403, "forbidden", null, "an application token cannot change or delete its application");
        }
        if (principal.readOnly() && !method.equals("GET") && !method.equals("HEAD")) {
            throw new ApiError(403, "forbidden", null, "this token is read-only");
        }
        if (principal.readOnly() && access == Access.APPLICATION_CREDENTIALS) {
            throw new ApiError(403, "forbidden", null, "a read-only token does not see signing secrets or header values");
        }
        // The route addresses the application by the id checked here: a uid can move to another
        // application between this check and the route's own lookup.
        Map<String, String> checked = new LinkedHashMap<>(params);
        checked.put(Router.APP_PARAM, app.id());
        return checked;
    }
}
