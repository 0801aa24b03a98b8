package io.herald.api;

import io.herald.Herald;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /metrics}: the engine's meters in Prometheus' text format. On the API port it is a
 * route for admin and viewer tokens ({@link Routes}); on the metrics port ({@code
 * HERALD_METRICS_PORT}, loopback only) {@link #onConnector} serves it without a token, and nothing
 * else.
 */
public final class MetricsPage {
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsPage() {}

    /** The scrape; 404 when the engine's registry is not a Prometheus one (an embedder's own). */
    static Reply reply(Herald herald) {
        MeterRegistry registry = herald.meterRegistry();
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            throw new ApiError(404, "not_found", null, "metrics are not exposed: the engine's registry is not Prometheus'");
        }
        herald.beforeScrape();
        return Reply.ok(new Encoded(CONTENT_TYPE, prometheus.scrape().getBytes(StandardCharsets.UTF_8), false));
    }

    /**
     * Answers every request that arrived through {@code connector}: {@code GET /metrics} with the
     * scrape, anything else 404 or 405; requests through other connectors pass on.
     */
    public static Handler onConnector(Connector connector, Herald herald) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (request.getConnectionMetaData().getConnector() != connector) {
                    return false;
                }
                Reply reply;
                try {
                    if (!Request.getPathInContext(request).equals(PATH)) {
                        throw Router.notFound(Request.getPathInContext(request));
                    }
                    if (!request.getMethod().equals("GET")) {
                        throw new ApiError(405, "method_not_allowed", null, request.getMethod() + " is not allowed here; use GET");
                    }
                    reply = reply(herald);
                } catch (ApiError e) {
                    reply = ApiHandler.problem(e.status, e.code, e.field, e.getMessage());
                }
                Encoded body = Encoded.of(reply);
                response.setStatus(reply.status());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, body.contentType());
                response.write(true, java.nio.ByteBuffer.wrap(body.bytes()), callback);
                return true;
            }
        };
    }
}
