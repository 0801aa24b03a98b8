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
 * The session cookies ⇄ the engine's {@link WebSessions}: one for the console, one for the
 * portal, each sent only to its own paths. Both are HttpOnly and SameSite=Strict (the portal's is
 * SameSite=None and Partitioned over HTTPS when HERALD_PORTAL_FRAME_ANCESTORS lets other pages frame
 * it, see docs/security.md); over HTTPS they
 * are also Secure and prefixed: the console's {@code __Host-} (Path=/, no Domain: no other host
 * or path can set or shadow it), the portal's {@code __Secure-} (it keeps Path=/portal, which
 * {@code __Host-} forbids). HTTPS means the connection is TLS, or a peer in HERALD_TRUSTED_PROXIES
 * says {@code X-Forwarded-Proto: https}; nobody else is believed.
 */
final class Sessions {
    /** The cookie of each kind of session: its plain and Secure names and paths. */
    enum Cookie {
        CONSOLE(WebSessions.Kind.CONSOLE, "herald-console", "/console", "__Host-herald-console", "/"),
        PORTAL(WebSessions.Kind.PORTAL, "herald-portal", "/portal", "__Secure-herald-portal", "/portal");

        final WebSessions.Kind kind;
        final String plainName;
        final String plainPath;
        final String secureName;
        final String securePath;

        Cookie(WebSessions.Kind kind, String plainName, String plainPath, String secureName, String securePath) {
            this.kind = kind;
            this.plainName = plainName;
            this.plainPath = plainPath;
            this.secureName = secureName;
            this.securePath = securePath;
        }

        /** The cookie of the pages under {@code path}. */
        static Cookie of(String path) {
            return path.startsWith("/portal") ? PORTAL : CONSOLE;
        }
    }

    /** A request's session: its cookie value and who it speaks for. */
    record Current(String secret, Principal principal) {
        String csrf() {
            return Csrf.token(secret);
        }
    }

    private final WebSessions sessions;
    private final List<Cidr> trustedProxies;
    /** HERALD_PORTAL_FRAME_ANCESTORS names pages that may frame the portal, possibly of another site. */
    private final boolean portalFramed;

    Sessions(WebSessions sessions, List<Cidr> trustedProxies, boolean portalFramed) {
        this.sessions = sessions;
        this.trustedProxies = trustedProxies;
        this.portalFramed = portalFramed;
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

    Optional<Current> current(Request request, Cookie which) {
        String name = https(request) ? which.secureName : which.plainName;
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(name)) {
                String secret = c.getValue();
                Optional<Principal> p = sessions.find(which.kind, secret);
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
        Response.addCookie(response, cookie(request, Cookie.CONSOLE, s.secret(), WebSessions.CONSOLE_LIFETIME.toSeconds()));
    }

    /**
     * Spends the portal link code {@code code}: opens a portal session for its token and sets
     * its cookie; the principal, or empty when the code is unknown or spent. The cookie lasts
     * until the browser closes (no Max-Age); the session ends with its token in any case.
     */
    Optional<Principal> enter(Request request, Response response, String code) {
        return sessions.redeem(code).map(s -> {
            Response.addCookie(response, cookie(request, Cookie.PORTAL, s.secret(), -1));
            return s.principal();
        });
    }

    /** Ends {@code current} and expires its cookie. */
    void close(Request request, Response response, Cookie which, Current current) {
        sessions.close(current.secret());
        Response.addCookie(response, cookie(request, which, "", 0));
    }

    private HttpCookie cookie(Request request, Cookie which, String value, long maxAge) {
        boolean https = https(request);
        // A portal framed by another site's page gets its cookie only as SameSite=None (browsers send
        // Strict and Lax cookies to no cross-site frame), Partitioned so that it lives in that
        // site's partition alone; HTTPS only, as browsers demand. Forms stay guarded by the
        // session's CSRF token and the Origin check.
        boolean crossSiteFrame = which == Cookie.PORTAL && portalFramed && https;
        return HttpCookie.build(https ? which.secureName : which.plainName, value)
                .path(https ? which.securePath : which.plainPath)
                .httpOnly(true)
                .secure(https)
                .sameSite(crossSiteFrame ? HttpCookie.SameSite.NONE : HttpCookie.SameSite.STRICT)
                .partitioned(crossSiteFrame)
                .maxAge(maxAge)
                .build();
    }
}
