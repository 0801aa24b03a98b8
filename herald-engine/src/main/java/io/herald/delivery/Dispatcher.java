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
import java.util.HashMap;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deliveries: those handed over by publish (already leased to this node), and due retries it
 * claims from the database. Each attempt runs on its own virtual thread; no database transaction
 * is open while an HTTP request is. Per endpoint, at most {@code perEndpoint} attempts run at once
 * and the rest wait in that endpoint's lane, so a slow endpoint delays only itself. Attempts keep
 * to the rate limits of their endpoint and application, on this node (see {@link Pacer}); a lane
 * holds no more deliveries than its rate can start within their lease, and gives the rest back to
 * the database, due when their turn would come. Pacing follows the injected clock, as leases do.
 *
 * <p>Not guaranteed: exactly-once. If this node loses its lease (it stalls longer than the lease,
 * or dies after sending and before recording), another node sends again with the same
 * {@code webhook-id}.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How long a delivery that found its (unpaced) endpoint's lane full waits before it is claimed again. */
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
    /** Opened, and replaced, when the clock may have moved ({@link #clockMoved()}) or at close: wakes pacing waits. */
    private final AtomicReference<CountDownLatch> clockMoved = new AtomicReference<>(new CountDownLatch(1));
    private final Pacer pacer;
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
        this.pacer = new Pacer(this::clockNanos, this::awaitClock, settings.lease());
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
        Map<String, Endpoints.Sendable> byId = new HashMap<>();
        for (Endpoints.Sendable e : endpoints) {
            byId.put(e.endpoint().id(), e);
        }
        List<HandBack> refused = new ArrayList<>();
        for (Deliveries.Claim c : leased) {
            Endpoints.Sendable e = byId.get(c.endpointId());
            // Without the endpoint (a resend) the lane cannot tell its limits; the attempt still keeps to them.
            enqueue(c, e == null ? null : new Loaded(e, carried), e == null ? Pacer.Limits.NONE : limitsOf(e), refused);
        }
        giveBack(refused);
    }

    private static Pacer.Limits limitsOf(Endpoints.Sendable e) {
        return new Pacer.Limits(e.endpoint().rateLimit(), e.app().id(), e.app().rateLimit());
    }

    /** What an attempt needs, when publish already had it; {@code message} null to read it at send. */
    private record Loaded(Endpoints.Sendable endpoint, Message message) {}

    /**
     * Claims what is due now and runs it to completion; returns how many deliveries it ran. For
     * tests and tools that drive time with a test clock instead of the poller. An attempt waiting
     * for a rate-limit slot waits for the clock: another thread has to move it (and call
     * {@link #clockMoved()}) before this returns.
     */
    public int runDueOnce() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        int total = 0;
        while (true) {
            Claimed claimed = claim();
            if (claimed.claims().isEmpty()) {
                break;
            }
            total += claimed.claims().size();
            done.addAll(enqueueAll(claimed));
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
            done.clear();
        }
        return total;
    }

    /** Deliveries claimed, and the rate limits of their endpoints as of the claim. */
    private record Claimed(List<Deliveries.Claim> claims, Map<String, Pacer.Limits> limits) {
        static final Claimed NONE = new Claimed(List.of(), Map.of());
    }

    private Claimed claim() {
        int room = settings.maxInMemory() - held.get();
        if (room <= 0 || !accepting) {
            return Claimed.NONE;
        }
        int limit = Math.min(room, 500);
        long now = clock.millis();
        Claimed claimed = store.inTransaction(h -> {
            List<Deliveries.Claim> claims = Deliveries.claimDue(h, store.dialect(), node, now,
                    now + settings.lease().toMillis(), limit);
            return new Claimed(claims, claims.isEmpty() ? Map.of()
                    : Deliveries.limits(h, claims.stream().map(Deliveries.Claim::endpointId).distinct().toList()));
        });
        held.addAndGet(claimed.claims().size());
        return claimed;
    }

    /** Offers each claimed delivery to its lane; those refused go back to the database together. */
    private List<CompletableFuture<Void>> enqueueAll(Claimed claimed) {
        List<CompletableFuture<Void>> done = new ArrayList<>(claimed.claims().size());
        List<HandBack> refused = new ArrayList<>();
        for (Deliveries.Claim c : claimed.claims()) {
            done.add(enqueue(c, null, claimed.limits().getOrDefault(c.endpointId(), Pacer.Limits.NONE), refused));
        }
        giveBack(refused);
        return done;
    }

    private void pollLoop() {
        while (accepting) {
            try {
                Claimed claimed = claim();
                enqueueAll(claimed);
                if (claimed.claims().size() < 500) {
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

    /**
     * Offers {@code c} to its endpoint's lane. When the lane refuses it, adds it to {@code refused},
     * due when it should be claimed again; the caller gives those back, and then {@link #done}s them.
     */
    private CompletableFuture<Void> enqueue(Deliveries.Claim c, Loaded loaded, Pacer.Limits limits, List<HandBack> refused) {
        Task task = new Task(c, loaded, limits, new CompletableFuture<>());
        while (true) {
            Lane lane = lanes.computeIfAbsent(c.endpointId(), id -> new Lane());
            int full = lane.offer(task, slotsWithinLease(c, limits));
            if (full == Lane.RETIRED) {
                continue; // the lane retired between lookup and offer
            }
            if (full != Lane.ADMITTED) {
                long now = clock.millis();
                // A paced lane is full when its rate cannot start more within their lease: this one
                // comes back when its turn would come, after those in the lane and those handed back before.
                refused.add(new HandBack(task, limits.limited()
                        ? now + pacer.project(c.endpointId(), limits, full).toMillis()
                        : now + LANE_FULL_BACKOFF.toMillis()));
            }
            return task.done();
        }
    }

    /** How many attempts to {@code c}'s endpoint its limits let start before its lease runs too short. */
    private int slotsWithinLease(Deliveries.Claim c, Pacer.Limits limits) {
        if (!limits.limited()) {
            return Integer.MAX_VALUE;
        }
        return limits.slotsWithin(Duration.ofMillis(c.lockedUntil() - clock.millis()).minus(timeoutOf(c))
                .minus(DispatcherSettings.LEASE_MARGIN));
    }

    private record Task(Deliveries.Claim claim, Loaded loaded, Pacer.Limits limits, CompletableFuture<Void> done) {}

    /** A delivery this node gives back to the database unattempted, due at {@code dueAt}. */
    private record HandBack(Task task, long dueAt) {}

    /** One endpoint's turn-taking: a few attempts in flight, the rest waiting in order. */
    private final class Lane {
        static final int ADMITTED = -1;
        static final int RETIRED = -2;
        private final ArrayDeque<Task> waiting = new ArrayDeque<>();
        private int running;
        private boolean retired;

        /**
         * {@link #ADMITTED}, {@link #RETIRED}, or when full, how many deliveries the lane holds.
         * {@code paced}: the most it may hold for this delivery, as its rate limits allow.
         */
        synchronized int offer(Task t, int paced) {
            if (retired) {
                return RETIRED;
            }
            if (running + waiting.size() >= paced) {
                return running + waiting.size();
            }
            if (running < settings.perEndpoint()) {
                running++;
                Thread.ofVirtual().name("herald-attempt").start(() -> runThenNext(t));
                return ADMITTED;
            }
            if (waiting.size() >= LANE_QUEUE_CAP) {
                return running + waiting.size();
            }
            // What publish read is fresh only for an attempt that starts now: one that waits reads
            // its endpoint (disabled, deleted, rotated, moved meanwhile?) and message when it starts.
            waiting.add(new Task(t.claim(), null, t.limits(), t.done()));
            return ADMITTED;
        }

        private void runThenNext(Task first) {
            Task t = first;
            while (t != null) {
                try {
                    run(t);
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

    private void run(Task t) {
        Deliveries.Claim c = t.claim();
        try {
            long now = clock.millis();
            if (!accepting) {
                giveBack(c, now);
                return;
            }
            if (now + timeoutOf(c).plus(DispatcherSettings.LEASE_MARGIN).toMillis() > c.lockedUntil()) {
                // Too little lease left to finish before another node may claim it: hand it back,
                // due at once, or when its turn would come if its endpoint is paced.
                giveBack(c, now + pacer.project(c.endpointId(), t.limits(), 0).toMillis());
                return;
            }
            attempt(c, t.loaded());
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

    /** Gives {@code refused} back in one transaction, then frees their room; a failure leaves them to their leases. */
    private void giveBack(List<HandBack> refused) {
        if (refused.isEmpty()) {
            return;
        }
        try {
            long now = clock.millis();
            store.inTransaction(h -> Deliveries.release(h, refused.stream().map(r -> r.task().claim()).toList(),
                    refused.stream().map(HandBack::dueAt).toList(), now));
        } catch (RuntimeException e) {
            log.warn("could not give back {} deliveries their lanes had no room for; their leases will expire",
                    refused.size(), e);
        } finally {
            refused.forEach(r -> done(r.task()));
        }
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
     * lease the attempt needs (it is then due at its projected slot, see {@link Pacer#project}),
     * or the dispatcher is closing.
     */
    private Optional<Duration> paced(Deliveries.Claim c, Endpoints.Sendable target) {
        Pacer.Limits limits = limitsOf(target);
        if (!limits.limited()) {
            return Optional.of(Duration.ZERO);
        }
        long now = clock.millis();
        // The same room run() demands before an attempt: its timeout plus the margin, left on the lease.
        Duration room = Duration.ofMillis(c.lockedUntil() - now).minus(timeoutOf(c)).minus(DispatcherSettings.LEASE_MARGIN);
        Pacer.Slot slot;
        try {
            slot = pacer.await(c.endpointId(), limits, room.isNegative() ? Duration.ZERO : room);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveBack(c, clock.millis());
            return Optional.empty();
        }
        if (!slot.taken()) {
            // Not at its slot, which every other refused delivery would share, but after them.
            giveBack(c, now + pacer.project(c.endpointId(), limits, 0).toMillis());
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

    /** The injected clock in nanoseconds: the pacer's time, the same the leases are measured in. */
    private long clockNanos() {
        Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * Waits until the clock is {@code nanos} further on, or the dispatcher closes. On the system
     * clock that is a plain wait; a test clock ends it when the test moves the clock and says so.
     */
    private void awaitClock(long nanos) throws InterruptedException {
        long until = clockNanos() + nanos;
        while (accepting) {
            CountDownLatch moved = clockMoved.get();
            long left = until - clockNanos();
            // More left than the whole wait: the clock was set back. Go now rather than stall that long.
            if (left <= 0 || left > nanos) {
                return;
            }
            moved.await(left, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Wakes attempts waiting for a rate-limit slot to look at the clock again: for tests and tools
     * that drive time with a test clock, after they move it.
     */
    public void clockMoved() {
        clockMoved.getAndSet(new CountDownLatch(1)).countDown();
    }

    /**
     * Stops claiming, lets attempts in flight finish for up to the shutdown grace, then gives every
     * lease this node still holds back to the database.
     */
    @Override
    public void close() {
        accepting = false;
        clockMoved();
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
