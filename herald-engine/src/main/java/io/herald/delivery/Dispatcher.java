package io.herald.delivery;

import io.herald.endpoint.Endpoints;
import io.herald.message.Message;
import io.herald.operational.OperationalEvents;
import io.herald.metrics.EngineMetrics;
import io.herald.store.Ids;
import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs deliveries: those handed over by publish (already leased to this node, see
 * {@link Handover}), and due ones it claims from the database. The jobs are apart: this class
 * claims and coordinates; {@link Admission} keeps the node's room; {@link Lanes} take turns per
 * endpoint; {@link AttemptRunner} makes one attempt, decided by {@link Outcome}; and
 * {@link OutcomeRecorder} writes the records of many attempts per transaction. Attempts keep to
 * the rate limits of their endpoint and application across all nodes, and to the pauses receivers
 * ask for (see {@link Pacer}); a lane holds
 * no more deliveries than its rate can start within their lease, and gives the rest back to the
 * database, due when their turn would come. Pacing follows the injected clock, as leases do.
 *
 * <p>Not guaranteed: exactly-once. If this node loses its lease (it stalls longer than the lease,
 * or dies after sending and before recording), another node sends again with the same
 * {@code webhook-id}.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** How long a delivery that found its (unpaced) endpoint's lane full waits before it is claimed again. */
    private static final Duration LANE_FULL_BACKOFF = Duration.ofSeconds(1);
    /** Deliveries of endpoints whose circuit opened held per transaction at most. */
    private static final int HOLD_CHUNK = 250;
    /** Deliveries claimed at once at most. */
    static final int CLAIM_BATCH = 500;
    /** Payloads up to this many characters travel from publish to the attempt in memory; larger ones are read at send. */
    static final int HANDOVER_MAX_PAYLOAD = 64 * 1024;

    private final Store store;
    private final RetryPolicy policy;
    private final Clock clock;
    private final DispatcherSettings settings;
    private final String node;
    private final Admission admission;
    private final Pacer pacer;
    private final Breaker breaker;
    private final OutcomeRecorder recorder;
    private final OperationalEvents events;
    private final AttemptRunner attempts;
    private final Lanes lanes;
    private volatile boolean accepting = true;
    /** Opened, and replaced, when the clock may have moved ({@link #clockMoved()}) or at close: wakes pacing waits. */
    private final AtomicReference<CountDownLatch> clockMoved = new AtomicReference<>(new CountDownLatch(1));
    private volatile Thread poller;
    /** When (clock millis) the poller last completed a cycle; set when it starts. */
    private volatile long lastCycle;
    /** Released to end the poller's wait early: a FIFO endpoint's next delivery was let out, or written. */
    private final Semaphore wakeups = new Semaphore(0);

    public Dispatcher(Store store, HttpSender sender, RetryPolicy policy, Clock clock, Ids ids,
                      DispatcherSettings settings, String node, boolean httpsOnly, String userAgent, OperationalEvents events,
                      EngineMetrics metrics) {
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.settings = settings;
        this.node = node;
        this.admission = new Admission(settings.maxInMemory());
        this.pacer = new Pacer(this::clockNanos, this::awaitClock, new PaceSlots(store), this::heldInLane);
        this.events = events;
        this.breaker = new Breaker(settings.circuitBreaker());
        this.recorder = new OutcomeRecorder(store, clock, breaker, events, this::wake, this::holdWaiting);
        this.attempts = new AttemptRunner(store, sender, policy, clock, ids, settings, httpsOnly, pacer, recorder,
                () -> accepting, metrics);
        this.lanes = new Lanes(settings.perEndpoint(), settings.maxInMemory(), attempts::run);
    }

    /** Deliveries this node holds for {@code endpointId}'s lane: how many slots of its rate are worth a block. */
    private int heldInLane(String endpointId) {
        return lanes.held(endpointId);
    }

    /**
     * When (the clock's millis) this node's claim loop last completed a cycle, or empty when it
     * runs none (a zero poll interval: tests and tools drive it).
     */
    public java.util.OptionalLong lastClaimCycle() {
        return poller == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(lastCycle);
    }

    public String node() {
        return node;
    }

    /** Where operational events are told; background tasks tell theirs through it too. */
    public OperationalEvents operationalEvents() {
        return events;
    }

    Duration lease() {
        return settings.lease();
    }

    /** The server's retry delays, which deliveries without their own schedule follow. */
    public List<Duration> retryDelays() {
        return policy.delays();
    }

    /** Attempts this dispatcher has finished since it started. */
    public long attemptsMade() {
        return attempts.attemptsMade();
    }

    /** Deliveries this node holds right now. */
    public int held() {
        return admission.held();
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
            lastCycle = clock.millis();
            poller = Thread.ofPlatform().daemon().name("herald-poller").start(this::pollLoop);
        }
    }

    /**
     * A hand-over for up to {@code wanted} deliveries about to be written: as many as this node has
     * room for are born leased to it and start at once; the rest (all, when it is stopping) wait for
     * a claim. Close it on every path.
     */
    public Handover handover(int wanted) {
        return new Handover(this, admission.reserve(accepting ? wanted : 0));
    }

    /**
     * Starts the committed deliveries among {@code claims} that were born leased to this node, with
     * the message and endpoints (and keys) publish read, if any: an attempt that starts at once then
     * reads nothing from the database; one that waits in its endpoint's lane reads when it starts.
     */
    void accept(List<Deliveries.Claim> claims, Admission.Permits permits, Message message,
                List<Endpoints.Sendable> endpoints) {
        Message carried = message != null && message.payload().length() <= HANDOVER_MAX_PAYLOAD ? message : null;
        Map<String, Endpoints.Sendable> byId = new HashMap<>();
        for (Endpoints.Sendable e : endpoints) {
            byId.put(e.endpoint().id(), e);
        }
        List<HandBack> refused = new ArrayList<>();
        try {
            for (Deliveries.Claim c : claims) {
                if (!c.leased()) {
                    continue;
                }
                Endpoints.Sendable e = byId.get(c.endpointId());
                // Without the endpoint (a resend) the lane cannot tell its limits; the attempt still keeps to them.
                enqueue(new Task(c, e == null ? null : new Task.Loaded(e, carried),
                        e == null ? Pacer.Limits.NONE : limitsOf(e), permits.ticket()), refused);
            }
        } finally {
            giveBack(refused);
        }
        if (endpoints.stream().anyMatch(e -> e.endpoint().policy().fifo())) {
            // Written held: the next tick lets the first out.
            wake();
        }
    }

    static Pacer.Limits limitsOf(Endpoints.Sendable e) {
        return new Pacer.Limits(e.endpoint().rateLimit(), e.app().id(), e.app().rateLimit(),
                e.endpoint().policy().maxInFlight());
    }

    /**
     * Claims what is due now and runs it to completion; returns how many deliveries it ran. For
     * tests and tools that drive time with a test clock instead of the poller. An attempt waiting
     * for a rate-limit slot waits for the clock: another thread has to move it (and call
     * {@link #clockMoved()}) before this returns.
     */
    public int runDueOnce() {
        int total = 0;
        while (true) {
            release();
            advanceFifo();
            List<Task> claimed = new ArrayList<>(probe());
            claimed.addAll(claim());
            if (claimed.isEmpty()) {
                break;
            }
            total += claimed.size();
            enqueueAll(claimed);
            CompletableFuture.allOf(claimed.stream().map(Task::done).toArray(CompletableFuture[]::new)).join();
        }
        return total;
    }

    /**
     * Releases the held deliveries of endpoints whose circuit closed, a chunk per endpoint (see
     * {@link Breaker#release}); never throws: what is left is released on the next tick.
     */
    private void release() {
        try {
            store.inTransaction(h -> Breaker.release(h, store.dialect(), clock.millis()));
        } catch (RuntimeException e) {
            StoreFaults.logAt(log, Level.WARN, e).log("releasing held deliveries failed; retrying on the next tick");
        }
    }

    /** Lets out the next delivery of FIFO endpoints whose turn has come (see {@link Fifo}); never throws. */
    private void advanceFifo() {
        try {
            store.inTransaction(h -> Fifo.advance(h, store.dialect(), null, clock.millis()));
        } catch (RuntimeException e) {
            StoreFaults.logAt(log, Level.WARN, e).log("letting out FIFO deliveries failed; retrying on the next tick");
        }
    }

    /** Ends the poller's wait: there is work that should not wait for the poll interval. */
    void wake() {
        wakeups.release();
    }

    /**
     * The circuits of {@code endpointIds} opened: what waits in their lanes here is held a chunk
     * of {@link #HOLD_CHUNK} per transaction, instead of one transaction per delivery as each would
     * start (a hanging endpoint's lane holds hundreds), and leaves this node. What is not held (the circuit closed meanwhile) goes back to
     * the database due now. Runs on its own thread, so the recorder that calls it goes on; never throws.
     */
    private void holdWaiting(Set<String> endpointIds) {
        Thread.ofVirtual().name("herald-hold").start(() -> {
            List<Task> waiting = new ArrayList<>();
            try {
                for (String id : endpointIds) {
                    waiting.addAll(lanes.drain(id));
                }
                if (waiting.isEmpty()) {
                    return;
                }
                long now = clock.millis();
                Set<Deliveries.Claim> held = new HashSet<>();
                // In chunks: a transaction of thousands of rows would hold up the publishes that
                // group commit puts in the same transaction.
                for (int from = 0; from < waiting.size(); from += HOLD_CHUNK) {
                    List<Deliveries.Claim> chunk = waiting.subList(from, Math.min(waiting.size(), from + HOLD_CHUNK))
                            .stream().map(Task::claim).toList();
                    held.addAll(store.inTransaction(h -> Breaker.hold(h, store.dialect(), chunk, now)));
                }
                List<HandBack> back = new ArrayList<>();
                for (Task t : waiting) {
                    if (!held.contains(t.claim())) {
                        back.add(new HandBack(t, now));
                    }
                }
                giveBack(back);
            } catch (RuntimeException | Error e) {
                // Still leased here, unattempted: their leases end and a claim holds them then.
                StoreFaults.logAt(log, Level.WARN, e).log("holding {} deliveries of endpoints whose circuit opened failed; their leases will expire",
                        waiting.size());
            } finally {
                waiting.forEach(Task::finished);
            }
        });
    }

    /** Leases the probes that are due (see {@link Breaker#probes}), as far as this node has room. */
    private List<Task> probe() {
        if (admission.room() <= 0 || !accepting) {
            return List.of();
        }
        long now = clock.millis();
        List<Deliveries.Claim> probes = store.inTransaction(h -> Breaker.probes(h, store.dialect(), node, now,
                now + settings.lease().toMillis()));
        List<Task> tasks = new ArrayList<>(probes.size());
        if (probes.isEmpty()) {
            return tasks;
        }
        Map<String, Pacer.Limits> limits = store.read(h ->
                Deliveries.limits(h, probes.stream().map(Deliveries.Claim::endpointId).distinct().toList()));
        for (Deliveries.Claim c : probes) {
            tasks.add(new Task(c, null, limits.getOrDefault(c.endpointId(), Pacer.Limits.NONE), admission.admit()));
        }
        return tasks;
    }

    /**
     * Leases due deliveries to this node, as many as it has room for; each holds its room from here
     * on. Those whose endpoint's circuit is open are held instead, in the same transaction.
     */
    private List<Task> claim() {
        int room = admission.room();
        if (room <= 0 || !accepting) {
            return List.of();
        }
        int limit = Math.min(room, CLAIM_BATCH);
        long now = clock.millis();
        record Claimed(List<Deliveries.Claim> claims, Map<String, Pacer.Limits> limits) {}
        Claimed claimed = store.inTransaction(h -> {
            List<Deliveries.Claim> claimedDue = Deliveries.claimDue(h, store.dialect(), node, now,
                    now + settings.lease().toMillis(), limit);
            List<Deliveries.Claim> held = Breaker.hold(h, store.dialect(), claimedDue, now);
            List<Deliveries.Claim> claims = held.isEmpty() ? claimedDue
                    : claimedDue.stream().filter(c -> !held.contains(c)).toList();
            return new Claimed(claims, claims.isEmpty() ? Map.of()
                    : Deliveries.limits(h, claims.stream().map(Deliveries.Claim::endpointId).distinct().toList()));
        });
        List<Task> tasks = new ArrayList<>(claimed.claims().size());
        for (Deliveries.Claim c : claimed.claims()) {
            tasks.add(new Task(c, null, claimed.limits().getOrDefault(c.endpointId(), Pacer.Limits.NONE), admission.admit()));
        }
        return tasks;
    }

    /** Offers each claimed delivery to its lane; those refused go back to the database together. */
    private int enqueueAll(List<Task> claimed) {
        List<HandBack> refused = new ArrayList<>();
        int offered = 0;
        try {
            for (Task t : claimed) {
                offered++;
                enqueue(t, refused);
            }
        } finally {
            // Not offered (something threw): they go back with the refused ones.
            for (Task t : claimed.subList(offered, claimed.size())) {
                refused.add(new HandBack(t, clock.millis()));
            }
            giveBack(refused);
        }
        return claimed.size() - refused.size();
    }

    private void pollLoop() {
        while (accepting) {
            try {
                release();
                advanceFifo();
                enqueueAll(probe());
                List<Task> claimed = claim();
                int admitted = enqueueAll(claimed);
                lastCycle = clock.millis();
                // A full claim goes on at once, unless its lanes refused most of it: claiming again
                // would only take and give back the same full lanes' backlog, at everyone's cost.
                if (claimed.size() < CLAIM_BATCH || admitted < claimed.size() / 2) {
                    wakeups.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                // The loop never dies: a database outage is waited out.
                StoreFaults.logAt(log, Level.WARN, e).log("claiming due deliveries failed; retrying in {} ms", settings.pollInterval().toMillis());
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
     * Offers {@code t} to its endpoint's lane. When the lane refuses it, adds it to {@code refused},
     * due when it should be claimed again; the caller gives those back, and then finishes them.
     */
    private void enqueue(Task t, List<HandBack> refused) {
        Deliveries.Claim c = t.claim();
        int full;
        try {
            full = lanes.offer(t, slotsWithinLease(c, t.limits()));
        } catch (RuntimeException | Error e) {
            refused.add(new HandBack(t, clock.millis() + LANE_FULL_BACKOFF.toMillis()));
            throw e;
        }
        if (full != Lanes.ADMITTED) {
            long now = clock.millis();
            // A paced lane is full when its rate cannot start more within their lease: this one
            // comes back when its turn would come, after those in the lane and those handed back before.
            refused.add(new HandBack(t, t.limits().limited()
                    ? now + pacer.project(c.endpointId(), t.limits(), full).toMillis()
                    : now + LANE_FULL_BACKOFF.toMillis()));
        }
    }

    /** How many attempts to {@code c}'s endpoint its limits let start before its lease runs too short. */
    private int slotsWithinLease(Deliveries.Claim c, Pacer.Limits limits) {
        if (!limits.limited()) {
            return Integer.MAX_VALUE;
        }
        return limits.slotsWithin(Duration.ofMillis(c.lockedUntil() - clock.millis()).minus(attempts.timeoutOf(c))
                .minus(DispatcherSettings.LEASE_MARGIN));
    }

    /** A delivery this node gives back to the database unattempted, due at {@code dueAt}. */
    private record HandBack(Task task, long dueAt) {}

    /**
     * Gives {@code refused} back in one transaction, then frees their room; never throws: a failure
     * leaves them to their leases, and their room is freed all the same.
     */
    private void giveBack(List<HandBack> refused) {
        if (refused.isEmpty()) {
            return;
        }
        try {
            long now = clock.millis();
            store.inTransaction(h -> Deliveries.release(h, refused.stream().map(r -> r.task().claim()).toList(),
                    refused.stream().map(HandBack::dueAt).toList(), now));
        } catch (RuntimeException | Error e) {
            StoreFaults.logAt(log, Level.WARN, e).log("could not give back {} deliveries their lanes had no room for; their leases will expire",
                    refused.size());
        } finally {
            refused.forEach(r -> r.task().finished());
        }
    }

    /** The injected clock in nanoseconds: the pacer's time, the same the leases are measured in. */
    private long clockNanos() {
        Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * Waits until the clock reaches {@code until} ({@link #clockNanos}), {@code nanos} after the
     * wait was decided, or the dispatcher closes. On the system clock that is a plain wait; a test
     * clock ends it when the test moves the clock and says so. The deadline is absolute, so a clock
     * moved between the decision and the wait is not waited for twice.
     */
    private void awaitClock(long until, long nanos) throws InterruptedException {
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
     * Stops claiming, lets attempts in flight finish for up to the shutdown grace, writes their
     * records, then gives every lease this node still holds back to the database.
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
        while (admission.held() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        recorder.close();
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
