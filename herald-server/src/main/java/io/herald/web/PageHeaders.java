package io.herald.web;

import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The headers of every HTML page: a strict Content-Security-Policy (scripts and styles from
 * Herald's own origin only, no inline code), no caching (pages show what a session may see), no
 * referrer, no MIME sniffing. {@code connect-src 'self'} is there because htmx fetches pages with
 * XHR while {@code default-src} is {@code 'none'}. No page may be framed but the portal's, by the
 * pages HERALD_PORTAL_FRAME_ANCESTORS names.
 */
final class PageHeaders {
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors ";
    static final String CONSOLE_CSP = POLICY + "'none'";

    private final String portalCsp;
    private final boolean portalFramed;

    /** {@code portalFrameAncestors}: CSP sources, checked when the setting was read; empty for none. */
    PageHeaders(List<String> portalFrameAncestors) {
        this.portalFramed = !portalFrameAncestors.isEmpty();
        this.portalCsp = POLICY + (portalFramed ? String.join(" ", portalFrameAncestors) : "'none'");
    }

    /** The headers of a page under {@code path}. */
    void put(String path, HttpFields.Mutable headers) {
        boolean portal = Sessions.Cookie.of(path) == Sessions.Cookie.PORTAL;
        headers.put("Content-Security-Policy", portal ? portalCsp : CONSOLE_CSP);
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("X-Content-Type-Options", "nosniff");
        // Browsers that know CSP ignore X-Frame-Options beside frame-ancestors; it would forbid what the setting allows.
        if (!(portal && portalFramed)) {
            headers.put("X-Frame-Options", "DENY");
        }
    }
}
