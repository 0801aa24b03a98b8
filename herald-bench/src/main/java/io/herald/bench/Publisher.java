package io.herald.bench;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;

/**
 * Publishes the 1 KiB message to a list of apps in turn, without waiting for answers (open loop)
 * or waiting for each ({@link #sendAndWait}, closed loop), and counts the answers. While
 * {@linkplain #tracking tracking}, it keeps each accepted message's id with the time its publish was
 * due, and how long the publish call took from that time.
 */
final class Publisher implements OpenLoop.Send {
    private final LoadClient client;
    private final String token;
    private final URI[] targets;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    /** Failed publishes by HTTP status; 0 for no answer at all. */
    private final ConcurrentHashMap<Integer, LongAdder> failures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> dueById = new ConcurrentHashMap<>();
    /** Publish call latency in microseconds, from the due time to the answer. */
    private final Histogram publishMicros = new ConcurrentHistogram(3);
    private volatile boolean tracking;

    Publisher(LoadClient client, HeraldApi api, List<String> apps) {
        this.client = client;
        this.token = api.token();
        this.targets = apps.stream().map(api::msgUri).toArray(URI[]::new);
    }

    @Override
    public void send(long index, long dueNanos) {
        send(index, dueNanos, () -> {});
    }

    /**
     * Publishes message {@code index} and waits for its answer (or its failure): one turn of a
     * closed loop. Its latency counts from now, when it is sent.
     */
    void sendAndWait(long index) {
        CountDownLatch answered = new CountDownLatch(1);
        send(index, System.nanoTime(), answered::countDown);
        try {
            answered.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Sends, and runs {@code then} once the answer is counted (and tracked). */
    private void send(long index, long dueNanos, Runnable then) {
        URI uri = targets[(int) (index % targets.length)];
        inFlight.incrementAndGet();
        Request request = client.post(uri, HeraldApi.PUBLISH_BODY, token);
        if (tracking) {
            request.send(new BufferingResponseListener(16 * 1024) {
                @Override
                public void onComplete(Result result) {
                    long now = System.nanoTime();
                    try {
                        if (answered(result)) {
                            String id = HeraldApi.idOf(getContentAsString());
                            if (id != null) {
                                dueById.put(id, dueNanos);
                            }
                            publishMicros.recordValue(Math.max(0, (now - dueNanos) / 1_000));
                        }
                    } finally {
                        then.run();
                    }
                }
            });
        } else {
            request.send(result -> {
                try {
                    answered(result);
                } finally {
                    then.run();
                }
            });
        }
    }

    private boolean answered(Result result) {
        inFlight.decrementAndGet();
        int status = result.getResponse() == null ? 0 : result.getResponse().getStatus();
        if (result.isSucceeded() && status >= 200 && status < 300) {
            published.increment();
            return true;
        }
        failed.increment();
        failures.computeIfAbsent(result.isSucceeded() ? status : 0, s -> new LongAdder()).increment();
        return false;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Publishes answered 2xx. */
    long published() {
        return published.sum();
    }

    long failed() {
        return failed.sum();
    }

    /** Failed publishes by status (0: no answer), for the results. */
    Map<Integer, Long> failures() {
        Map<Integer, Long> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Start or stop keeping ids and publish latency for the messages sent from now on. */
    void tracking(boolean on) {
        tracking = on;
    }

    /** Accepted messages sent while tracking: id to due time. */
    Map<String, Long> tracked() {
        return dueById;
    }

    /**
     * Waits up to {@code settleSeconds} for the publishes still unanswered, then as long again for
     * the receiver to get every tracked message; returns the tracked messages (id to due time).
     */
    Map<String, Long> awaitTracked(Receiver rx, double settleSeconds) {
        awaitAnswers(settleSeconds);
        Map<String, Long> tracked = tracked();
        Pause.until(() -> rx.received(tracked.keySet()) >= tracked.size(), settleSeconds, 100);
        return tracked;
    }

    Histogram publishMicros() {
        return publishMicros;
    }

    /** Forgets tracked ids and publish latency (counts stay). */
    void clearTracked() {
        dueById.clear();
        publishMicros.reset();
    }

    /** Waits until no publish is in flight, at most {@code seconds}; true when none is. */
    boolean awaitAnswers(double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (inFlight.get() > 0 && System.nanoTime() < end) {
            Pause.millis(20);
        }
        return inFlight.get() == 0;
    }
}
