package io.herald.delivery;

import io.herald.Bodies;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Sends one webhook POST through a shared Jetty client: no redirects, a total timeout, the response
 * body read up to a cap, and every connection made to an address the {@link SsrfGuard} vetted.
 * Each endpoint has its own connection pool (a Jetty destination tagged with the endpoint id), so
 * endpoints that hang cannot take the connections of healthy ones on the same host.
 * Blocking; call it from a virtual thread.
 */
public final class HttpSender implements AutoCloseable {
    /** How much of a response body is kept for the attempt log. */
    public static final int RESPONSE_CAP = 64 * 1024;

    /** How many response header fields are kept for the attempt log, and how many characters of names and values in all. */
    public static final int RESPONSE_HEADERS_CAP = 50;
    public static final int RESPONSE_HEADERS_CHARS_CAP = 8 * 1024;

    /** Connections one pool may open; the dispatcher runs far fewer attempts per endpoint at once. */
    static final int MAX_CONNECTIONS_PER_POOL = 256;

    private final HttpClient client;
    private final String userAgent;

    public HttpSender(SsrfGuard guard, String userAgent) {
        this(guard, userAgent, null);
    }

    /** With every connection tunnelled through {@code proxy} (none when null). */
    public HttpSender(SsrfGuard guard, String userAgent, EgressProxy proxy) {
        this(guard, userAgent, MAX_CONNECTIONS_PER_POOL, proxy);
    }

    HttpSender(SsrfGuard guard, String userAgent, int maxConnectionsPerPool) {
        this(guard, userAgent, maxConnectionsPerPool, null);
    }

    HttpSender(SsrfGuard guard, String userAgent, int maxConnectionsPerPool, EgressProxy proxy) {
        // The guard resolves and vets the target either way; through a proxy the tunnel goes to that address.
        this.userAgent = userAgent;
        ClientConnector connector = proxy == null ? new ClientConnector() : new ProxyTunnelConnector(proxy);
        connector.setSslContextFactory(new SslContextFactory.Client());
        connector.setConnectTimeout(Duration.ofSeconds(10));
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("herald-client");
        pool.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        connector.setExecutor(pool);
        client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setExecutor(pool);
        client.setFollowRedirects(false);
        client.setSocketAddressResolver(guard);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, userAgent));
        client.setMaxConnectionsPerDestination(maxConnectionsPerPool);
        // Herald bounds its own in-flight work; the client must not reject what Herald admits.
        client.setMaxRequestsQueuedPerDestination(1_000_000);
        // Idle connections close before their origin's pool does, so pools of silent origins go away.
        client.setIdleTimeout(30_000);
        client.setDestinationIdleTimeout(60_000);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client", e);
        }
    }

    /**
     * What came back: a status (0 when no response arrived), the body prefix, why it failed, and the
     * response's headers as far as {@link #RESPONSE_HEADERS_CAP} and {@link #RESPONSE_HEADERS_CHARS_CAP}
     * allow (repeated names joined with {@code ", "}; null when no response arrived).
     */
    public record Result(int statusCode, String body, long durationMs, Optional<Duration> retryAfter, String error,
                         Map<String, String> headers) {
        public Result(int statusCode, String body, long durationMs, Optional<Duration> retryAfter, String error) {
            this(statusCode, body, durationMs, retryAfter, error, null);
        }

        public boolean succeeded() {
            return statusCode >= 200 && statusCode < 300;
        }
    }

    /** The User-Agent every request carries. */
    String userAgent() {
        return userAgent;
    }

    /** Posts through the connection pool named {@code pool} (an endpoint id), or, when null, a shared one. */
    public Result post(URI url, String pool, Map<String, String> headers, byte[] body, String contentType, Duration timeout) {
        long start = System.nanoTime();
        Request request = client.newRequest(url)
                .tag(pool)
                .method(HttpMethod.POST)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .body(new ByteBufferRequestContent(contentType, ByteBuffer.wrap(body)));
        request.headers(h -> headers.forEach(h::put));
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        try {
            Response response = listener.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            String text;
            try (InputStream in = listener.getInputStream()) {
                // Closing before the end aborts the rest of a large body, which is what we want.
                text = new String(Bodies.readUpTo(in, RESPONSE_CAP, response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH)),
                        StandardCharsets.UTF_8);
            }
            return new Result(response.getStatus(), text, elapsed(start),
                    RetryAfter.parse(response.getHeaders().get(HttpHeader.RETRY_AFTER)), null, bounded(response.getHeaders()));
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            return new Result(0, "", elapsed(start), Optional.empty(), "interrupted (Herald shutting down)");
        } catch (TimeoutException e) {
            request.abort(e);
            return new Result(0, "", elapsed(start), Optional.empty(), "timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return new Result(0, "", elapsed(start), Optional.empty(), describe(e.getCause(), timeout));
        } catch (IOException e) {
            // The status arrived but the body broke off: the status stands.
            return new Result(0, "", elapsed(start), Optional.empty(), "response body broke off: " + e.getMessage());
        }
    }

    /** The first fields of {@code fields} that fit the caps; a field that does not fit ends the list. */
    static Map<String, String> bounded(HttpFields fields) {
        Map<String, String> out = new LinkedHashMap<>();
        int chars = 0;
        for (HttpField f : fields) {
            String name = f.getName();
            String value = f.getValue() == null ? "" : f.getValue();
            String before = out.get(name);
            int more = before == null ? name.length() + value.length() : value.length() + 2;
            if ((before == null && out.size() == RESPONSE_HEADERS_CAP) || chars + more > RESPONSE_HEADERS_CHARS_CAP) {
                break;
            }
            out.put(name, before == null ? value : before + ", " + value);
            chars += more;
        }
        return out;
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    static String describe(Throwable t, Duration timeout) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SsrfGuard.RefusedTarget || c instanceof ProxyTunnelConnector.Failed) {
                return c.getMessage();
            }
            if (c instanceof TimeoutException) {
                return "timed out after " + timeout.toMillis() + " ms";
            }
            if (c instanceof UnknownHostException) {
                return "DNS: " + c.getMessage();
            }
            if (c instanceof ConnectException) {
                return "connection failed: " + c.getMessage();
            }
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTP client", e);
        }
    }
}
