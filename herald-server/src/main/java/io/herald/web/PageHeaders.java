package io.herald.web;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The headers of every HTML page: a strict Content-Security-Policy (scripts and styles from
 * Herald's own origin only, no inline code, no framing), no caching (pages show what a session
 * may see), no referrer, no MIME sniffing. {@code connect-src 'self'} is there because htmx
 * fetches pages with XHR while {@code default-src} is {@code 'none'}.
 */
final class PageHeaders {
    static final String CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private PageHeaders() {}

    static void console(HttpFields.Mutable headers) {
        headers.put("Content-Security-Policy", CONSOLE_CSP);
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
    }
}
