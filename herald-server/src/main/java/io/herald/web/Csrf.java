package io.herald.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.server.Request;

/**
 * Cross-site request forgery checks. Every form carries a token derived from the session secret
 * (an HMAC of a fixed label under that secret): only a holder of the HttpOnly cookie can compute
 * it, and every node can check it without storing it. htmx requests send it as
 * {@value #HEADER} too. Besides, a browser's {@code Sec-Fetch-Site} must say {@code same-origin}
 * and an {@code Origin} must be this server's, when the browser sends them.
 */
final class Csrf {
    static final String FIELD = "csrf";
    static final String HEADER = "X-Herald-CSRF";
    private static final byte[] LABEL = "herald-csrf-v1".getBytes(StandardCharsets.US_ASCII);

    private Csrf() {}

    /** The token of the session whose cookie value is {@code sessionSecret}. */
    static String token(String sessionSecret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(sessionSecret.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(LABEL));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code given} (the form field or header) is the session's token; constant time. */
    static boolean matches(String sessionSecret, String given) {
        return given != null && MessageDigest.isEqual(token(sessionSecret).getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Whether the browser says the request comes from a page of another origin: a
     * {@code Sec-Fetch-Site} other than {@code same-origin}, or an {@code Origin} other than
     * {@code origin} (this server as the browser sees it). Absent headers say nothing.
     */
    static boolean crossSite(Request request, String origin) {
        String site = request.getHeaders().get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin")) {
            return true;
        }
        String from = request.getHeaders().get("Origin");
        return from != null && !from.equalsIgnoreCase(origin);
    }
}
