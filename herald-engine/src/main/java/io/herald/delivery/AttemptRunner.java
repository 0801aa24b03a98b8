package io.herald.delivery;

import io.herald.BudgetExceeded;
import io.herald.HeraldException;
import io.herald.TenantWork;
import io.herald.attempt.Attempt;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.format.Event;
import io.herald.format.Format;
import io.herald.format.Rendered;
import io.herald.message.Message;
import io.herald.message.Messages;
import io.herald.metrics.EngineMetrics;
import io.herald.store.Ids;
import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One attempt of one delivery: load what it needs, wait for its rate-limit slot, render, sign,
 * send, decide ({@link Outcome}) and record ({@link OutcomeRecorder}). No database transaction is
 * open while the request is.
 *
 * <p>Whatever fails inside Herald while preparing the request (a template that runs out of memory,
 * a signature that cannot be made) is a failed attempt with its reason, on the schedule like any
 * other failure. Only the store failing leaves the delivery without a record: it is given back, or
 * when even that fails, left to its lease.
 */
final class AttemptRunner {
    private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);
    /** How long a delivery whose attempt failed inside Herald (the store, say) waits before it is claimed again. */
    static final Duration TROUBLE_BACKOFF = Duration.ofSeconds(5);

    private final Store store;
    private final HttpSender sender;
    private final RetryPolicy policy;
    private final Clock clock;
    private final Ids ids;
    private final DispatcherSettings settings;
    private final boolean httpsOnly;
    private final Pacer pacer;
    private final OutcomeRecorder recorder;
    private final BooleanSupplier accepting;
    private final Flight flight;
    private final AtomicLong attemptsMade = new AtomicLong();

    private final EngineMetrics metrics;

    AttemptRunner(Store store, HttpSender sender, RetryPolicy policy, Clock clock, Ids ids, DispatcherSettings settings,
                  boolean httpsOnly, Pacer pacer, OutcomeRecorder recorder, BooleanSupplier accepting, EngineMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.sender = sender;
        this.policy = policy;
        this.clock = clock;
        this.ids = ids;
        this.settings = settings;
        this.httpsOnly = httpsOnly;
        this.pacer = pacer;
        this.recorder = recorder;
        this.accepting = accepting;
        this.flight = new Flight(store, clock, pacer);
    }

    long attemptsMade() {
        return attemptsMade.get();
    }

    /** Runs {@code t}'s attempt, or gives it back when it cannot run now; never throws. */
    void run(Task t) {
        Deliveries.Claim c = t.claim();
        try {
            long now = clock.millis();
            if (!accepting.getAsBoolean()) {
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
            // The store failed (reading, giving back, or recording even a stand-in): the row stays
            // to be claimed again; the caller frees the lane's slot and the node's room.
            DeliveryLog.about(StoreFaults.logAt(log, Level.ERROR, e), c, "failed_inside_herald")
                    .log("delivery {} (message {}, endpoint {}) failed inside Herald; it will be retried",
                            c.id(), c.messageId(), c.endpointId());
            try {
                giveBack(c, clock.millis() + TROUBLE_BACKOFF.toMillis());
            } catch (RuntimeException | Error again) {
                DeliveryLog.about(StoreFaults.logAt(log, Level.WARN, again), c, "failed_inside_herald")
                        .log("could not give back delivery {}; its lease will expire", c.id());
            }
        }
    }

    /** The delivery's own timeout, or the server's; never longer than the lease can cover. */
    Duration timeoutOf(Deliveries.Claim c) {
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
    private Optional<Task.Loaded> load(Deliveries.Claim c, Task.Loaded loaded) {
        if (loaded != null && loaded.message() != null) {
            return Optional.of(loaded);
        }
        if (loaded != null) {
            return store.read(h -> Messages.byId(h, c.messageId())).map(m -> new Task.Loaded(loaded.endpoint(), m));
        }
        return store.read(h -> Endpoints.sendable(h, c.endpointId()).flatMap(ep ->
                Messages.byId(h, c.messageId()).map(m -> new Task.Loaded(ep, m))));
    }

    /**
     * Waits for the attempt's slot under its endpoint's and application's rate limits and after its
     * endpoint's pause, if any (see {@link Pacer}); returns how long it waited. Empty when it gave the delivery back instead: the wait would eat into the
     * lease the attempt needs (it is then due at its projected slot, see {@link Pacer#project}),
     * or the dispatcher is closing.
     */
    private Optional<Duration> paced(Deliveries.Claim c, Endpoints.Sendable target) {
        Pacer.Limits limits = Dispatcher.limitsOf(target);
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
        if (!accepting.getAsBoolean()) {
            giveBack(c, clock.millis());
            return Optional.empty();
        }
        return Optional.of(slot.delay());
    }

    /**
     * A place among its endpoint's own cap of attempts in flight across the nodes, waited for while
     * the lease allows (see {@link Flight}); empty when it gave the delivery back instead.
     */
    private Optional<Flight.Permit> inFlight(Deliveries.Claim c, Endpoint ep) {
        Duration room = Duration.ofMillis(c.lockedUntil() - clock.millis()).minus(timeoutOf(c))
                .minus(DispatcherSettings.LEASE_MARGIN);
        Optional<Flight.Permit> place;
        try {
            place = flight.take(c, ep.policy().maxInFlight(), timeoutOf(c), room.isNegative() ? Duration.ZERO : room, accepting);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            place = Optional.empty();
        }
        if (place.isEmpty()) {
            giveBack(c, clock.millis() + (accepting.getAsBoolean() ? Flight.FULL_BACKOFF.toMillis() : 0));
        }
        return place;
    }

    /**
     * Finishes {@code c} unsent when its endpoint or message is gone or the endpoint disabled, or
     * holds it when the endpoint's circuit is open and it is not the probe; true then.
     */
    private boolean unsendable(Deliveries.Claim c, Optional<Task.Loaded> target) {
        // Deleted since the claim: nothing to send, nothing to keep. Disabled after this delivery
        // was queued: it is not sent; recover replays it later.
        if (target.isEmpty() || target.get().endpoint().endpoint().disabled()) {
            store.inTransaction(h -> Deliveries.finish(h, c, Deliveries.FAILED, c.attempts(), null, clock.millis()));
            return true;
        }
        if (!c.probe() && target.get().endpoint().endpoint().health().open()) {
            // The circuit opened while this one waited: it joins the held ones, unattempted.
            List<Deliveries.Claim> held = store.inTransaction(h -> Breaker.hold(h, store.dialect(), List.of(c), clock.millis()));
            if (!held.isEmpty()) {
                return true;
            }
            // Closed again in between: it goes out.
        }
        return false;
    }

    private void attempt(Deliveries.Claim c, Task.Loaded loaded) {
        Optional<Task.Loaded> target = load(c, loaded);
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
        Optional<Flight.Permit> place = inFlight(c, ep);
        if (place.isEmpty()) {
            return;
        }
        if (place.get().waited()) {
            // As after a rate-limit wait: a disable, delete, rotation or new URL made meanwhile counts.
            boolean gone;
            try {
                target = load(c, null);
                gone = unsendable(c, target);
            } catch (RuntimeException | Error e) {
                place.get().close();
                throw e;
            }
            if (gone) {
                place.get().close();
                return;
            }
            ep = target.get().endpoint().endpoint();
        }
        Instant sentAt = clock.instant();
        SentRequest sent;
        try (Flight.Permit held = place.get()) {
            sent = send(c, target.get(), sentAt);
        }
        HttpSender.Result r = sent.result();
        Instant finishedAt = clock.instant();
        int n = c.attempts() + 1;
        RetryPolicy own = policy.withDelays(Deliveries.delays(c, policy.delays()));
        Outcome decided = Outcome.decide(r.statusCode(), r.retryAfter(), n, finishedAt, own);
        Outcome outcome = c.probe() ? decided.ofProbe(finishedAt) : decided;
        ReceiverPause.until(r.statusCode(), r.retryAfter(), n, finishedAt, own).ifPresent(u -> pacer.pause(c.endpointId(), u));
        Attempt a = new Attempt(ids.next("atmpt"), c.appId(), c.messageId(), c.endpointId(), c.id(), n,
                r.succeeded() ? Attempt.SUCCESS : Attempt.FAIL, c.triggerType(), ep.url(), r.statusCode(),
                r.body(), r.durationMs(), r.error(), outcome.kind() == Outcome.Kind.HELD ? null : outcome.next(), sentAt,
                sent.headers(), sent.body(), sent.bodyTruncated(), sent.bodyIsPayload(), r.headers());
        boolean kept = recorder.record(new OutcomeRecorder.Entry(c, a, outcome, own, finishedAt));
        attemptsMade.incrementAndGet();
        metrics.attempted(EngineMetrics.outcome(outcome.kind().name()), r.durationMs());
        if (!kept) {
            DeliveryLog.about(log.atWarn(), c, "lease_lost")
                    .log("delivery {} (message {}, endpoint {}): lease lost during attempt {}; another node owns it now",
                            c.id(), c.messageId(), c.endpointId(), n);
        }
        switch (outcome.kind()) {
            case GONE -> DeliveryLog.about(log.atInfo(), c, "gone")
                    .log("endpoint {} answered 410 Gone and was disabled", ep.id());
            case EXHAUSTED -> DeliveryLog.about(log.atInfo(), c, "exhausted")
                    .log("delivery {} (message {}, endpoint {}) failed for good after attempt {} of {}",
                            c.id(), c.messageId(), c.endpointId(), n, own.maxAttempts());
            default -> { }
        }
    }

    /** Renders, signs and sends; a failure to render or sign is this attempt's result, not an exception. */
    private SentRequest send(Deliveries.Claim c, Task.Loaded target, Instant sentAt) {
        Endpoint ep = target.endpoint().endpoint();
        Endpoints.Owner app = target.endpoint().app();
        Message msg = target.message();
        URI uri = URI.create(ep.url());
        Rendered rendered;
        Map<String, String> headers = new LinkedHashMap<>(ep.headers());
        try {
            Format format = ep.policy().format();
            Event event = new Event(msg.id(), msg.eventType(), msg.timestamp(),
                    msg.eventId(), msg.channels(), msg.payload(), new Event.App(app.id(), app.uid(), app.name()));
            rendered = format.tenantWritten()
                    ? TenantWork.run("the endpoint's template", TenantWork.DEFAULT_LIMIT, () -> format.render(event))
                    : format.render(event);
            ep.policy().signature().sign(headers, msg.id(), sentAt, rendered.body(), target.endpoint().secrets());
        } catch (BudgetExceeded | HeraldException.Overloaded e) {
            // The tenant's template is too costly for this payload (or Herald had no room to run it):
            // this attempt fails saying so, and is retried on the schedule like any failure.
            DeliveryLog.about(log.atInfo(), c, "not_rendered")
                    .log("delivery {} (message {}, endpoint {}): the request was not rendered: {}", c.id(), c.messageId(),
                            ep.id(), e.getMessage());
            return SentRequest.none(new HttpSender.Result(0, "", 0, Optional.empty(),
                    "failed inside Herald before sending: " + e.getMessage()));
        } catch (RuntimeException | Error e) {
            // A template that runs out of memory or recurses too deep is this attempt's failure,
            // recorded and retried on the schedule like any other, never a loop of silent re-claims.
            DeliveryLog.about(log.atWarn(), c, "prepare_failed").setCause(e)
                    .log("delivery {} (message {}, endpoint {}): preparing the request failed", c.id(), c.messageId(), ep.id());
            return SentRequest.none(new HttpSender.Result(0, "", 0, Optional.empty(),
                    "failed inside Herald before sending: could not render or sign the request"));
        }
        if (httpsOnly && !"https".equalsIgnoreCase(uri.getScheme())) {
            return SentRequest.none(new HttpSender.Result(0, "", 0, Optional.empty(),
                    "refused: HERALD_HTTPS_ONLY forbids " + uri.getScheme() + " targets"));
        }
        HttpSender.Result r = sender.post(uri, ep.id(), headers, rendered.body(), rendered.contentType(), timeoutOf(c));
        return SentRequest.of(headers, ep.headers(), rendered, msg.payload(), sender.userAgent(), r);
    }
}
