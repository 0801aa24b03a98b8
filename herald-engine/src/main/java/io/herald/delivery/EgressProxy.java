package io.herald.delivery;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * An HTTP proxy every delivery leaves through, with the CONNECT method, so that receivers see
 * one known address. The target is still Herald's to vet: the proxy is asked to connect to the
 * address the {@link SsrfGuard} resolved and allowed, never to a name it would resolve itself.
 *
 * @param host          the proxy's host name or address (an operator's choice: not vetted)
 * @param port          its port
 * @param authorization the {@code Proxy-Authorization} value for credentials in the URL, if any
 */
public record EgressProxy(String host, int port, Optional<String> authorization) {
    /**
     * Reads {@code http://[user:password@]host:port}; the user and password may be percent-encoded.
     *
     * @throws IllegalArgumentException saying what is wrong, without repeating a password
     */
    public static EgressProxy parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be a URL such as http://proxy.internal:3128");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("must start with http:// (Herald speaks plain HTTP to the proxy and tunnels "
                    + "TLS to the receiver through it)");
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw new IllegalArgumentException("must name a host and a port, e.g. http://proxy.internal:3128");
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must be only http://[user:password@]host:port");
        }
        Optional<String> auth = Optional.empty();
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("credentials must be user:password");
            }
            String user = URLDecoder.decode(info.substring(0, colon), StandardCharsets.UTF_8);
            String password = URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8);
            auth = Optional.of("Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new EgressProxy(host, uri.getPort(), auth);
    }

    @Override
    public String toString() {
        // Never the credentials: this lands in logs.
        return "http://" + host + ":" + port + (authorization.isPresent() ? " (with credentials)" : "");
    }
}
