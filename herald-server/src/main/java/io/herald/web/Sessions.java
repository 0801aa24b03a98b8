package io.herald.web;

import io.herald.api.AuditTrail;
import io.herald.auth.Principal;
import io.herald.auth.WebSessions;
import io.herald.delivery.Cidr;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The console's session cookie ⇄ the engine's {@link WebSessions}. The cookie is HttpOnly and
 * SameSite=Strict; over HTTPS it is also Secure and named with the {@code __Host-} prefix (Path=/,
 * no Domain: no other host or path can set or shadow it). HTTPS means the connection is TLS, or
 * a peer in HERALD_TRUSTED_PROXIES says {@code X-Forwarded-Proto: https}; nobody else is believed.
 */
final class Sessions {
    static final String PLAIN_NAME = "herald-console";
    static final String SECURE_NAME = "__Host-herald-console";
    static final String PLAIN_PATH = "/console";

    /** A request's session: its cookie value and who it speaks for. */
    record Current(String secret, Principal principal) {
        String csrf() {
            return Csrf.token(secret);
        }
    }

    private final WebSessions sessions;
    private final List<Cidr> trustedProxies;

    Sessions(WebSessions sessions, List<Cidr> trustedProxies) {
        this.sessions = sessions;
        this.trustedProxies = trustedProxies;
    }

    boolean https(Request request) {
        if (request.isSecure()) {
            return true;
        }
        String proto = request.getHeaders().get("X-Forwarded-Proto");
        return proto != null && proto.strip().equalsIgnoreCase("https") && AuditTrail.peerIsTrusted(request, trustedProxies);
    }

    /** This server's origin as the browser sees it, for {@link Csrf#crossSite}. */
    String origin(Request request) {
        return (https(request) ? "https" : "http") + "://" + request.getHttpURI().getAuthority();
    }

    Optional<Current> current(Request request) {
        String name = https(request) ? SECURE_NAME : PLAIN_NAME;
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(name)) {
                String secret = c.getValue();
                Optional<Principal> p = sessions.find(WebSessions.Kind.CONSOLE, secret);
                if (p.isPresent()) {
                    return Optional.of(new Current(secret, p.get()));
                }
            }
        }
        return Optional.empty();
    }

    /** Opens a console session for {@code principal} and sets its cookie. */
    void open(Request request, Response response, Principal principal) {
        WebSessions.Opened s = sessions.open(WebSessions.Kind.CONSOLE, principal, WebSessions.CONSOLE_LIFETIME);
        Response.addCookie(response, cookie(request, s.secret(), WebSessions.CONSOLE_LIFETIME.toSeconds()));
    }

    /** Ends {@code current} and expires its cookie. */
    void close(Request request, Response response, Current current) {
        sessions.close(current.secret());
        Response.addCookie(response, cookie(request, "", 0));
    }

    private HttpCookie cookie(Request request, String value, long maxAge) {
        boolean https = https(request);
        return HttpCookie.build(https ? SECURE_NAME : PLAIN_NAME, value)
                .path(https ? "/" : PLAIN_PATH)
                .httpOnly(true)
                .secure(https)
                .sameSite(HttpCookie.SameSite.STRICT)
                .maxAge(maxAge)
                .build();
    }
}
