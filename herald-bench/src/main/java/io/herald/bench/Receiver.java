package io.herald.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The webhook receiver on 127.0.0.1: answers 200 with an empty body as fast as it can and counts
 * what it got. Paths under {@code /hang} are never answered until the sender gives up (they are
 * released with a 503 after {@link #HANG_RELEASE}). Paths under {@code /fail} are answered 500 at
 * once, always, and counted apart: an endpoint failing hard. When {@linkplain #down down} it answers 503,
 * optionally with a Retry-After date; when {@linkplain #stop stopped} its port refuses connections.
 *
 * <p>With {@linkplain #recording(boolean) recording} on, it also keeps, per {@code webhook-id} (the
 * message id), the time of the first and last receipt and how many came: enough for latency (first)
 * and fan-out (last, count). Times are {@link System#nanoTime()} of this JVM, taken before the body
 * is read. Not guaranteed: order of receipts, or that a receipt counted was fully read.
 */
final class Receiver implements AutoCloseable {
    /** How long a hanging request is held before it is answered 503; senders give up long before. */
    static final Duration HANG_RELEASE = Duration.ofSeconds(40);
    /** At most this many {@code /fail} request times are kept. */
    static final int MAX_FAIL_TIMES = 100_000;

    /** What one message id got. */
    static final class Tally {
        final long first;
        private final AtomicLong last;
        private final AtomicInteger count = new AtomicInteger();

        Tally(long first) {
            this.first = first;
            this.last = new AtomicLong(first);
        }

        void add(long at) {
            count.incrementAndGet();
            last.accumulateAndGet(at, Math::max);
        }

        long last() {
            return last.get();
        }

        int count() {
            return count.get();
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final ScheduledExecutorService releaser;
    private final ConcurrentHashMap<String, Tally> tallies = new ConcurrentHashMap<>();
    private final LongAdder ok = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder hung = new LongAdder();
    private final LongAdder failedHard = new LongAdder();
    /** When each {@code /fail} request came ({@link System#nanoTime()}), the first {@link #MAX_FAIL_TIMES}. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Long> failTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean recording;
    private volatile boolean down;
    private volatile String retryAfter;

    Receiver() {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("receiver");
        threads.setDaemon(true);
        server = new Server(threads);
        // One acceptor and one selector: the machine is small and the harness must stay light.
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setIdleTimeout(HANG_RELEASE.plusSeconds(20).toMillis());
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return receive(request, response, callback);
            }
        });
        releaser = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("receiver-hang").unstarted(r));
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the receiver", e);
        }
        // Keep the port: a restart after stop() must come back where the endpoints point.
        connector.setPort(connector.getLocalPort());
    }

    private boolean receive(Request request, Response response, Callback callback) {
        long now = System.nanoTime();
        String path = Request.getPathInContext(request);
        if (path.startsWith("/hang")) {
            hung.increment();
            releaser.schedule(() -> {
                response.setStatus(503);
                callback.succeeded();
            }, HANG_RELEASE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        if (path.startsWith("/fail")) {
            failedHard.increment();
            if (failedHard.sum() <= MAX_FAIL_TIMES) {
                failTimes.add(now);
            }
            response.setStatus(500);
        } else if (down) {
            refused.increment();
            response.setStatus(503);
            String ra = retryAfter;
            if (ra != null) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, ra);
            }
        } else {
            ok.increment();
            if (recording) {
                String id = request.getHeaders().get("webhook-id");
                if (id != null) {
                    tally(id, now);
                }
            }
            response.setStatus(200);
        }
        // Read the body to its end so the connection stays reusable; an empty 200 follows.
        Content.Source.consumeAll(request, callback);
        return true;
    }

    private void tally(String id, long now) {
        Tally t = tallies.get(id);
        if (t == null) {
            Tally fresh = new Tally(now);
            t = tallies.putIfAbsent(id, fresh);
            if (t == null) {
                t = fresh;
            }
        }
        t.add(now);
    }

    int port() {
        return connector.getLocalPort() > 0 ? connector.getLocalPort() : connector.getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Requests answered 200. */
    long ok() {
        return ok.sum();
    }

    /** Requests answered 503 because the receiver was down. */
    long refused() {
        return refused.sum();
    }

    /** Requests to {@code /hang} paths. */
    long hung() {
        return hung.sum();
    }

    /** Requests to {@code /fail} paths (all answered 500). */
    long failedHard() {
        return failedHard.sum();
    }

    /** When the {@code /fail} requests came ({@link System#nanoTime()}), the first {@link #MAX_FAIL_TIMES}, unordered. */
    java.util.List<Long> failTimes() {
        return java.util.List.copyOf(failTimes);
    }

    /** How many of {@code webhookIds} have been received at least once (while recording). */
    long received(java.util.Collection<String> webhookIds) {
        return webhookIds.stream().filter(id -> tally(id) != null).count();
    }

    Tally tally(String webhookId) {
        return tallies.get(webhookId);
    }

    int tallied() {
        return tallies.size();
    }

    void recording(boolean on) {
        recording = on;
    }

    /** Answers 503 from now on, with {@code Retry-After: <HTTP date of retryAt>} when retryAt is given. */
    void down(Instant retryAt) {
        retryAfter = retryAt == null ? null
                : DateTimeFormatter.RFC_1123_DATE_TIME.format(retryAt.atOffset(ZoneOffset.UTC));
        down = true;
    }

    void up() {
        down = false;
    }

    /** Closes the port, so that connections are refused until {@link #start()}. */
    void stop() {
        try {
            connector.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the receiver's connector", e);
        }
    }

    void start() {
        try {
            connector.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot restart the receiver on port " + connector.getPort(), e);
        }
    }

    /** Forgets every count and tally and comes up; for the next scenario. */
    void reset() {
        up();
        retryAfter = null;
        recording = false;
        tallies.clear();
        ok.reset();
        refused.reset();
        hung.reset();
        failedHard.reset();
        failTimes.clear();
    }

    @Override
    public void close() {
        releaser.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the receiver", e);
        }
    }
}
