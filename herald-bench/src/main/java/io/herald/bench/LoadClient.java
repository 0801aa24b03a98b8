package io.herald.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The harness's one HTTP client (Jetty), used for the ceiling, for publishing and for setting up
 * apps and endpoints. Setup calls are blocking and run a few at a time, so that setup does not
 * itself become a load test; a 5xx or an I/O error is retried twice and counted.
 */
final class LoadClient implements AutoCloseable {
    static final int MAX_CONNECTIONS = 512;
    private static final int SETUP_PARALLELISM = 8;
    private static final long SETUP_TIMEOUT_SECONDS = 60;

    private final HttpClient client;
    private final AtomicLong setupRetries = new AtomicLong();

    LoadClient() {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("bench-client");
        threads.setDaemon(true);
        client = new HttpClient();
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(MAX_CONNECTIONS);
        client.setMaxRequestsQueuedPerDestination(1_000_000);
        client.setFollowRedirects(false);
        client.setIdleTimeout(60_000);
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the load client", e);
        }
    }

    /** A POST of {@code body} as JSON, not yet sent. */
    Request post(URI uri, byte[] body, String token) {
        Request r = client.newRequest(uri).method(HttpMethod.POST)
                .body(new BytesRequestContent("application/json", body))
                .timeout(60, TimeUnit.SECONDS);
        if (token != null) {
            r.headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + token));
        }
        return r;
    }

    /** A blocking API call; an answer outside 2xx is an error naming the call and the answer. */
    String call(HttpMethod method, URI uri, String json, String token) {
        for (int attempt = 1; ; attempt++) {
            ContentResponse r;
            try {
                Request req = client.newRequest(uri).method(method).timeout(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + token));
                if (json != null) {
                    req.body(new BytesRequestContent("application/json", json.getBytes(StandardCharsets.UTF_8)));
                }
                r = req.send();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(method + " " + uri + " interrupted", e);
            } catch (TimeoutException | ExecutionException e) {
                if (attempt < 3) {
                    setupRetries.incrementAndGet();
                    Pause.millis(200L * attempt);
                    continue;
                }
                throw new IllegalStateException(method + " " + uri + " failed after " + attempt + " attempts: " + e, e);
            }
            if (r.getStatus() >= 200 && r.getStatus() < 300) {
                return r.getContentAsString();
            }
            if (r.getStatus() >= 500 && attempt < 3) {
                setupRetries.incrementAndGet();
                Pause.millis(200L * attempt);
                continue;
            }
            throw new IllegalStateException(method + " " + uri + " answered " + r.getStatus() + ": " + r.getContentAsString());
        }
    }

    /** Setup calls that had to be repeated after a 5xx or an I/O error, since the start. */
    long setupRetries() {
        return setupRetries.get();
    }

    /** Runs {@code n} setup calls, a few at a time, and returns their results in order. */
    <T> List<T> parallel(int n, IntFunction<T> call) {
        ExecutorService pool = Executors.newFixedThreadPool(SETUP_PARALLELISM,
                r -> Thread.ofPlatform().daemon().name("bench-setup").unstarted(r));
        try {
            List<Future<T>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> call.apply(k)));
            }
            List<T> results = new ArrayList<>(n);
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("setup interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            // On a failure the calls still queued are pointless: drop them.
            pool.shutdownNow();
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the load client", e);
        }
    }
}
