package io.herald.delivery;

import io.herald.attempt.Attempt;
import io.herald.attempt.Attempts;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.format.Event;
import io.herald.format.Rendered;
import io.herald.message.Messages;
import io.herald.message.Message;
import io.herald.store.Ids;
import io.herald.store.Store;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deliveries: those handed over by publish (already leased to this node), and due retries it
 * claims from the database. Each attempt runs on its own virtual thread; no database transaction
 * is open while an HTTP request is. Per endpoint, at most {@code perEndpoint} attempts run at once
 * and the rest wait in that endpoint's lane, so a slow endpoint delays only itself. Attempts keep
 * to the rate limits of their endpoint and application, on this node (see {@link Pacer}).
 *
 * <p>Not guaranteed: exactly-once. If this node loses its lease (it stalls longer than the lease,
 * or dies after sending and before recording), another node sends again with the same
 * {@code webhook-id}.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How long a delivery that found its endpoint's lane full waits before it is claimed again. */
    private static final Duration LANE_FULL_BACKOFF = Duration.ofSeconds(1);
    /** Waiting deliveries one lane holds before it gives further ones back to the database. */
    private static final int LANE_QUEUE_CAP = 1_000;

    private final Store store;
    private final HttpSender sender;
    private final RetryPolicy policy;
    private final Clock clock;
    private final Ids ids;
    private final DispatcherSettings settings;
    private final String node;
    private final boolean httpsOnly;
    private final String userAgent;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    /** Deliveries this node holds: reserved at publish, claimed, running or waiting in a lane. */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong attemptsMade = new AtomicLong();
    private volatile boolean accepting = true;
    /** Opened by {@link #close()}: ends the waits for rate-limit slots early. */
    private final CountDownLatch closing = new CountDownLatch(1);
    // Real monotonic time: pacing waits out real seconds, whatever the injected clock says.
    private final Pacer pacer = new Pacer(System::nanoTime, nanos -> closing.await(nanos, TimeUnit.NANOSECONDS));
    private volatile Thread poller;

    public Dispatcher(Store store, HttpSender sender, RetryPolicy policy, Clock clock, Ids ids,
                      DispatcherSettings settings, String node, boolean httpsOnly, String userAgent) {
        this.store = store;
        this.sender = sender;
        this.policy = policy;
        this.clock = clock;
        this.ids = ids;
        this.settings = settings;
        this.node = node;
        this.httpsOnly = httpsOnly;
        this.userAgent = userAgent;
    }

    public String node() {
        return node;
    }

    /** The server's retry delays, which deliveries without their own schedule follow. */
    public List<Duration> retryDelays() {
        return policy.delays();
    }

    /** Attempts this dispatcher has finished since it started. */
    public long attemptsMade() {
        return attemptsMade.get();
    }

    /**
     * Starts the poller. On a store only this process can use, leases left by a previous process
     * (which died) are dropped first, so its deliveries resume at once instead of after the lease.
     */
    public void start() {
        if (store.dialect().singleWriter()) {
            int n = store.inTransaction(h -> Deliveries.releaseEveryLease(h, clock.millis()));
            if (n > 0) {
                log.info("resumed {} deliveries leased by a previous run", n);
            }
        }
        if (!settings.pollInterval().isZero()) {
            poller = Thread.ofPlatform().daemon().name("herald-poller").start(this::pollLoop);
        }
    }

    /**
     * Room for deliveries about to be written, so they can be born leased to this node: the first
     * {@code leased} of them. When this node has less room than that (a large fan-out, a full
     * node), the rest are written unleased and wait for a claim; when it is stopping, all are.
     */
    public record Reservation(Dispatcher dispatcher, int leased, String node, Duration lease) {
        /** Returns the room when the rows were not written after all. */
        public void cancel() {
            keepOnly(0);
        }

        /** Returns the room of leased rows that were not written, when only {@code written} of them were. */
        public void keepOnly(int written) {
            if (written < leased) {
                dispatcher.held.addAndGet(written - leased);
            }
        }
    }

    public Reservation reserve(int count) {
        if (count > 0 && accepting) {
            int now;
            int take;
            do {
                now = held.get();
                take = Math.min(count, settings.maxInMemory() - now);
                if (take <= 0) {
                    return new Reservation(this, 0, node, settings.lease());
                }
            } while (!held.compareAndSet(now, now + take));
            return new Reservation(this, take, node, settings.lease());
        }
        return new Reservation(this, 0, node, settings.lease());
    }

    /**
     * Starts the committed deliveries among {@code claims} that were born leased to this node, and
     * gives back the room {@code reservation} held for leased rows that were not written.
     */
    public void accept(List<Deliveries.Claim> claims, Reservation reservation) {
        accept(claims, reservation, null, List.of());
    }

    /** Payloads up to this many characters travel from publish to the attempt in memory; larger ones are read at send. */
    static final int HANDOVER_MAX_PAYLOAD = 64 * 1024;

    /**
     * Starts committed deliveries of {@code message}, written under {@code reservation}, with the
     * endpoints (and keys) publish read: an attempt that starts at once then reads nothing from the
     * database. One that has to wait in its endpoint's lane drops them and reads when it starts.
     */
    public void accept(List<Deliveries.Claim> claims, Reservation reservation, Message message,
                       List<Endpoints.Sendable> endpoints) {
        List<Deliveries.Claim> leased = claims.stream().filter(Deliveries.Claim::leased).toList();
        reservation.keepOnly(leased.size());
        Message carried = message != null && message.payload().length() <= HANDOVER_MAX_PAYLOAD ? message : null;
        Map<String, Endpoints.Sendable> byId = new java.util.HashMap<>();
        for (Endpoints.Sendable e : endpoints) {
            byId.put(e.endpoint().id(), e);
        }
        for (Deliveries.Claim c : leased) {
            Endpoints.Sendable e = byId.get(c.endpointId());
            enqueue(c, e == null ? null : new Loaded(e, carried));
        }
    }

    /** What an attempt needs, when publish already had it; {@code message} null to read it at send. */
    private record Loaded(Endpoints.Sendable endpoint, Message message) {}

    /**
     * Claims what is due now and runs it to completion; returns how many deliveries it ran. For
     * tests and tools that drive time with a test clock instead of the poller.
     */
    public int runDueOnce() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        int total = 0;
        while (true) {
            List<Deliveries.Claim> claims = claim();
            if (claims.isEmpty()) {
                break;
            }
            total += claims.size();
            for (Deliveries.Claim c : claims) {
                done.add(enqueue(c, null));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
            done.clear();
        }
        return total;
    }

    private List<Deliveries.Claim> claim() {
        int room = settings.maxInMemory() - held.get();
        if (room <= 0 || !accepting) {
            return List.of();
        }
        int limit = Math.min(room, 500);
        long now = clock.millis();
        List<Deliveries.Claim> claims = store.inTransaction(
                h -> Deliveries.claimDue(h, store.dialect(), node, now, now + settings.lease().toMillis(), limit));
        held.addAndGet(claims.size());
        return claims;
    }

    private void pollLoop() {
        while (accepting) {
            try {
                List<Deliveries.Claim> claims = claim();
                claims.forEach(c -> enqueue(c, null));
                if (claims.size() < 500) {
                    Thread.sleep(settings.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The loop never dies: a database outage is waited out.
                log.warn("claiming due deliveries failed; retrying in {} ms", settings.pollInterval().toMillis(), e);
                try {
                    Thread.sleep(settings.pollInterval().toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private CompletableFuture<Void> enqueue(Deliveries.Claim c, Loaded loaded) {
        Task task = new Task(c, loaded, new CompletableFuture<>());
        while (true) {
            Lane lane = lanes.computeIfAbsent(c.endpointId(), id -> new Lane());
            Boolean admitted = lane.offer(task);
            if (admitted == null) {
                continue; // the lane retired between lookup and offer
            }
            if (!admitted) {
                giveBack(c, clock.millis() + LANE_FULL_BACKOFF.toMillis());
                done(task);
            }
            return task.done();
        }
    }

    private record Task(Deliveries.Claim claim, Loaded loaded, CompletableFuture<Void> done) {}

    /** One endpoint's turn-taking: a few attempts in flight, the rest waiting in order. */
    private final class Lane {
        private final ArrayDeque<Task> waiting = new ArrayDeque<>();
        private int running;
        private boolean retired;

        /** True when admitted, false when full, null when retired. */
        synchronized Boolean offer(Task t) {
            if (retired) {
                return null;
            }
            if (running < settings.perEndpoint()) {
                running++;
                Thread.ofVirtual().name("herald-attempt").start(() -> runThenNext(t));
                return true;
            }
            if (waiting.size() >= LANE_QUEUE_CAP) {
                return false;
            }
            // What publish read is fresh only for an attempt that starts now: one that waits reads
            // its endpoint (disabled, deleted, rotated, moved meanwhile?) and message when it starts.
            waiting.add(new Task(t.claim(), null, t.done()));
            return true;
        }

        private void runThenNext(Task first) {
            Task t = first;
            while (t != null) {
                try {
                    run(t.claim(), t.loaded());
                } finally {
                    // run() catches what it can; an Error from its own fallback must still free the room.
                    done(t);
                }
                synchronized (this) {
                    t = waiting.poll();
                    if (t == null) {
                        running--;
                        if (running == 0) {
                            retired = true;
                            lanes.remove(first.claim().endpointId(), this);
                        }
                    }
                }
            }
        }
    }

    private void done(Task t) {
        held.decrementAndGet();
        t.done().complete(null);
    }

    private void run(Deliveries.Claim c, Loaded loaded) {
        try {
            long now = clock.millis();
            if (!accepting || now + timeoutOf(c).plus(DispatcherSettings.LEASE_MARGIN).toMillis() > c.lockedUntil()) {
                // Too little lease left to finish before another node may claim it: hand it back.
                giveBack(c, now);
                return;
            }
            attempt(c, loaded);
        } catch (RuntimeException | Error e) {
            // Whatever escapes here (the store is down) leaves the row to be claimed again; the
            // lane's slot and the node's count are released by the caller, which must be reached.
            log.error("delivery {} (message {}, endpoint {}) failed inside Herald; it will be retried",
                    c.id(), c.messageId(), c.endpointId(), e);
            try {
                giveBack(c, clock.millis() + LANE_FULL_BACKOFF.toMillis() * 5);
            } catch (RuntimeException again) {
                log.warn("could not give back delivery {}; its lease will expire", c.id(), again);
            }
        }
    }

    /** The delivery's own timeout, or the server's; never longer than the lease can cover. */
    private Duration timeoutOf(Deliveries.Claim c) {
        if (c.timeoutMs() == null) {
            return settings.timeout();
        }
        Duration own = Duration.ofMillis(c.timeoutMs());
        Duration max = settings.maxEndpointTimeout();
        return own.compareTo(max) > 0 ? max : own;
    }

    private void giveBack(Deliveries.Claim c, long dueAt) {
        store.inTransaction(h -> Deliveries.release(h, c, dueAt, clock.millis()));
    }

    /** The endpoint, keys and message of {@code c}: as publish handed them over, or read now. */
    private Optional<Loaded> load(Deliveries.Claim c, Loaded loaded) {
        if (loaded != null && loaded.message() != null) {
            return Optional.of(loaded);
        }
        if (loaded != null) {
            return store.read(h -> Messages.byId(h, c.messageId())).map(m -> new Loaded(loaded.endpoint(), m));
        }
        return store.read(h -> Endpoints.sendable(h, c.endpointId()).flatMap(ep ->
                Messages.byId(h, c.messageId()).map(m -> new Loaded(ep, m))));
    }

    /**
     * Waits for the attempt's slot under its endpoint's and application's rate limits; returns how
     * long it waited. Empty when it gave the delivery back instead: the wait would eat into the
     * lease the attempt needs (it is then due when its slot would have come), or the dispatcher is
     * closing.
     */
    private Optional<Duration> paced(Deliveries.Claim c, Endpoints.Sendable target) {
        Integer endpointRate = target.endpoint().rateLimit();
        Integer appRate = target.app().rateLimit();
        if (endpointRate == null && appRate == null) {
            return Optional.of(Duration.ZERO);
        }
        long now = clock.millis();
        // The same room run() demands before an attempt: its timeout plus the margin, left on the lease.
        Duration room = Duration.ofMillis(c.lockedUntil() - now).minus(timeoutOf(c)).minus(DispatcherSettings.LEASE_MARGIN);
        Pacer.Slot slot;
        try {
            slot = pacer.await(c.endpointId(), endpointRate, target.app().id(), appRate,
                    room.isNegative() ? Duration.ZERO : room);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveBack(c, clock.millis());
            return Optional.empty();
        }
        if (!slot.taken()) {
            giveBack(c, now + slot.delay().toMillis());
            return Optional.empty();
        }
        if (!accepting) {
            giveBack(c, clock.millis());
            return Optional.empty();
        }
        return Optional.of(slot.delay());
    }

    /** Finishes {@code c} unsent when its endpoint or message is gone or the endpoint disabled; true then. */
    private boolean unsendable(Deliveries.Claim c, Optional<Loaded> target) {
        // Deleted since the claim: nothing to send, nothing to keep. Disabled after this delivery
        // was queued: it is not sent; recover replays it later.
        if (target.isEmpty() || target.get().endpoint().endpoint().disabled()) {
            store.inTransaction(h -> Deliveries.finish(h, c, Deliveries.FAILED, c.attempts(), null, clock.millis()));
            return true;
        }
        return false;
    }

    private void attempt(Deliveries.Claim c, Loaded loaded) {
        Optional<Loaded> target = load(c, loaded);
        if (unsendable(c, target)) {
            return;
        }
        Optional<Duration> waited = paced(c, target.get().endpoint());
        if (waited.isEmpty()) {
            return;
        }
        if (waited.get().isPositive()) {
            // What was read before the wait may be stale: a disable, delete, rotation or new URL
            // counts, and so does a payload deleted meanwhile.
            target = load(c, null);
            if (unsendable(c, target)) {
                return;
            }
        }
        Endpoint ep = target.get().endpoint().endpoint();
        Endpoints.Owner app = target.get().endpoint().app();
        Message msg = target.get().message();
        Instant sentAt = clock.instant();
        Duration timeout = timeoutOf(c);
        RetryPolicy policy = this.policy.withDelays(Deliveries.delays(c, this.policy.delays()));

        HttpSender.Result r;
        URI uri = URI.create(ep.url());
        Rendered rendered;
        Map<String, String> headers = new LinkedHashMap<>(ep.headers());
        try {
            rendered = ep.policy().format().render(new Event(msg.id(), msg.eventType(), msg.timestamp(),
                    msg.eventId(), msg.channels(), msg.payload(), new Event.App(app.id(), app.uid(), app.name())));
            ep.policy().signature().sign(headers, msg.id(), sentAt, rendered.body(), target.get().endpoint().secrets());
        } catch (RuntimeException | Error e) {
            // A template that runs out of memory or recurses too deep is this attempt's failure,
            // recorded and retried on the schedule like any other, never a loop of silent re-claims.
            log.warn("delivery {} (message {}, endpoint {}): preparing the request failed", c.id(), c.messageId(), ep.id(), e);
            rendered = null;
        }
        if (rendered == null) {
            r = new HttpSender.Result(0, "", 0, Optional.empty(), "failed inside Herald before sending: could not render or sign the request");
        } else if (httpsOnly && !"https".equalsIgnoreCase(uri.getScheme())) {
            r = new HttpSender.Result(0, "", 0, Optional.empty(), "refused: HERALD_HTTPS_ONLY forbids " + uri.getScheme() + " targets");
        } else {
            r = sender.post(uri, ep.id(), headers, rendered.body(), rendered.contentType(), timeout);
        }
        Instant finishedAt = clock.instant();
        int n = c.attempts() + 1;
        String status;
        Optional<Instant> next = Optional.empty();
        boolean gone = r.statusCode() == 410;
        if (r.succeeded()) {
            status = Deliveries.SUCCEEDED;
        } else if (gone) {
            status = Deliveries.FAILED;
        } else {
            Optional<Duration> retryAfter = r.statusCode() == 429 || r.statusCode() == 503 ? r.retryAfter() : Optional.empty();
            next = policy.next(n, finishedAt, retryAfter);
            status = next.isPresent() ? Deliveries.PENDING : Deliveries.FAILED;
        }
        Attempt a = new Attempt(ids.next("atmpt"), c.appId(), c.messageId(), c.endpointId(), c.id(), n,
                r.succeeded() ? Attempt.SUCCESS : Attempt.FAIL, c.triggerType(), ep.url(), r.statusCode(),
                r.body(), r.durationMs(), r.error(), next.orElse(null), sentAt);
        Long nextMillis = next.map(Instant::toEpochMilli).orElse(null);
        boolean kept = record(c, a, gone, status, nextMillis, finishedAt);
        attemptsMade.incrementAndGet();
        if (!kept) {
            log.warn("delivery {} (message {}, endpoint {}): lease lost during attempt {}; another node owns it now",
                    c.id(), c.messageId(), c.endpointId(), n);
        }
        if (gone) {
            log.info("endpoint {} answered 410 Gone and was disabled", ep.id());
        } else if (status.equals(Deliveries.FAILED)) {
            log.info("delivery {} (message {}, endpoint {}) failed for good after attempt {} of {}",
                    c.id(), c.messageId(), c.endpointId(), n, policy.maxAttempts());
        }
    }

    /** Writes an attempt and the delivery's next state in one transaction; false when the lease was lost. */
    private boolean record(Deliveries.Claim c, Attempt a, boolean gone, String status, Long nextMillis, Instant finishedAt) {
        return store.inTransaction(h -> {
            Attempts.insert(h, a);
            if (gone) {
                Endpoints.disable(h, a.endpointId(), finishedAt.toEpochMilli());
            }
            return Deliveries.finish(h, c, status, a.attemptNumber(), nextMillis, finishedAt.toEpochMilli());
        });
    }

    /** Deliveries this node holds right now. */
    public int held() {
        return held.get();
    }

    /**
     * Stops claiming, lets attempts in flight finish for up to the shutdown grace, then gives every
     * lease this node still holds back to the database.
     */
    @Override
    public void close() {
        accepting = false;
        closing.countDown();
        Thread p = poller;
        if (p != null) {
            p.interrupt();
            try {
                p.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (held.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            int released = store.inTransaction(h -> Deliveries.releaseAll(h, node, clock.millis()));
            if (released > 0) {
                log.info("shutdown: released {} deliveries for other nodes or the next start", released);
            }
        } catch (RuntimeException e) {
            log.warn("shutdown: could not release leases; they will expire", e);
        }
    }
}
