package io.herald.api;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.app.Application;
import io.herald.app.ApplicationIn;
import io.herald.app.Applications;
import io.herald.auth.Tokens;
import io.herald.auth.WebSessions;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/auth/app-portal-access/{app_id}} (Svix's AppPortalAccessIn as the 2.x SDKs
 * send it): a new token for that one application, and a link to its portal that opens a portal
 * session for that token once (a single-use code, good for as long as the token). What Herald
 * cannot honour yet (capabilities, feature flags, sessions) is refused, not ignored.
 */
final class PortalAccess {
    /** Where a portal link leads: the web's page that spends its code and opens a portal session. */
    static final String ENTER = "/portal/enter";

    private PortalAccess() {}

    static Reply issue(Herald h, Call c) {
        JsonNode body = c.jsonOrEmpty();
        refuseUnsupported(body);
        Duration lifetime = lifetime(body);
        boolean readOnly = Boolean.TRUE.equals(In.bool(body, "readOnly"));
        ApplicationIn create = applicationIn(body);
        String named = c.param(Router.APP_PARAM);
        // Svix: "If the application id or uid that is used in the path already exists, this argument is ignored."
        Application app = h.applications().find(named).orElseGet(() -> {
            if (create == null) {
                throw new HeraldException.NotFound("application", named);
            }
            return created(h, named, create);
        });
        Tokens.Issued issued = h.tokens().issueForApp(app.id(), readOnly, lifetime);
        // The link carries a single-use code, not the token: a logged or replayed link is already spent.
        WebSessions.Opened entry = h.webSessions().open(WebSessions.Kind.ENTRY, issued.principal(), lifetime);
        return Reply.ok(Map.of("url", c.baseUrl() + ENTER + "?code=" + entry.secret(), "token", issued.token()));
    }

    private static void refuseUnsupported(JsonNode body) {
        if (In.node(body, "capabilities") != null) {
            throw new HeraldException.InvalidInput("capabilities", "Herald does not support token capabilities yet; "
                    + "leave it out for a token that may do everything within its application, or send readOnly: true");
        }
        var flags = In.stringSet(body, "featureFlags");
        if (flags != null && !flags.isEmpty()) {
            throw new HeraldException.InvalidInput("featureFlags", "Herald does not support feature flags; send none");
        }
        if (In.node(body, "sessionId") != null) {
            throw new HeraldException.InvalidInput("sessionId", "Herald does not support token sessions yet; leave it out");
        }
    }

    private static Duration lifetime(JsonNode body) {
        JsonNode v = In.node(body, "expiry");
        if (v == null) {
            return Tokens.APP_TOKEN_DEFAULT;
        }
        long min = Tokens.APP_TOKEN_MIN.toSeconds();
        long max = Tokens.APP_TOKEN_MAX.toSeconds();
        if (!v.isIntegralNumber()) {
            throw new HeraldException.InvalidInput("expiry", "must be a whole number of seconds");
        }
        if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new HeraldException.InvalidInput("expiry", "must be from " + min + " (1 hour) to " + max + " (7 days) seconds");
        }
        return Duration.ofSeconds(v.asLong());
    }

    /** The application to create if the path names none; its field names are reported under {@code application.}. */
    private static ApplicationIn applicationIn(JsonNode body) {
        return In.nested(body, "application", In::application);
    }

    /** Creates the application the path names, with the path value as its uid (Svix's "alongside"). */
    private static Application created(Herald h, String named, ApplicationIn in) {
        // Another request may create it meanwhile: then that one is the application.
        return h.applications().create(Applications.alongsideMember(named, in), true).application();
    }
}
