package io.herald.delivery;

import io.herald.HeraldException;
import io.herald.attempt.Attempt;
import io.herald.attempt.Attempts;
import io.herald.endpoint.Endpoints;
import io.herald.operational.OperationalEvents;
import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the records of finished attempts: the attempt row, the delivery's next state, the
 * endpoint's health (and circuit, see {@link Breaker}), and for a 410 the endpoint's disabling. Attempts that finish while a batch is being written wait for the
 * next one and share its transaction (no timer: under light load a record goes out alone at once),
 * so the cost of a commit is spread over many attempts. A caller returns once its record is
 * committed. As many batches are written at once as the store has writers (SQLite one; on
 * PostgreSQL a slow batch, waiting for a lock or a commit, then holds up only its own records):
 * their transactions lock delivery rows, then endpoint rows in id order, as two nodes' recorders
 * already do.
 *
 * <p>An attempt always ends in a record. When a batch fails, its records are written one by one;
 * one that still fails (its data, say, is refused by the database) is replaced by the record of a
 * failed attempt that says why, without the response, on the delivery's schedule like any failure.
 * When the database itself is in trouble (unreachable, disk full, read-only, see {@link StoreFaults}),
 * a batch is written again after growing pauses while its deliveries' leases last; only when that
 * fails too does {@link #record} throw, and the delivery is attempted again when its lease ends.
 *
 * <p>Not guaranteed: that a receipt is recorded. A node that dies between a receiver's answer and
 * the commit of its batch leaves the delivery to be sent again (at least once).
 */
final class OutcomeRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutcomeRecorder.class);
    /** Records in one transaction at most. */
    static final int MAX_BATCH = 256;
    /** How long a batch the database could not take is tried again (while its leases last, too). */
    static final java.time.Duration RETRY_FOR = java.time.Duration.ofSeconds(60);
    private static final Pending STOP = new Pending(null, null, null);

    /**
     * One attempt's record: it ended at {@code finishedAt}; {@code policy} decides the schedule of
     * its stand-in if it cannot be written.
     */
    record Entry(Deliveries.Claim claim, Attempt attempt, Outcome outcome, RetryPolicy policy, Instant finishedAt) {}

    private final Store store;
    private final Clock clock;
    private final Breaker breaker;
    private final OperationalEvents events;
    /** Called after a commit that let a FIFO endpoint's next delivery out, so that a claim takes it soon. */
    private final Runnable letOutNext;
    private final AtomicBoolean letOut = new AtomicBoolean();
    /** Called after a commit that opened circuits, with their endpoints, so that what waits for them here is held. */
    private final Consumer<Set<String>> circuitsOpened;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.LongAdder batches = new java.util.concurrent.atomic.LongAdder();

    /**
     * {@code breaker}: keeps the endpoints' health; {@code events}: where the endpoint disables and
     * attempt notices that records cause are told.
     */
    OutcomeRecorder(Store store, Clock clock, Breaker breaker, OperationalEvents events, Runnable letOutNext,
                    Consumer<Set<String>> circuitsOpened) {
        this.store = store;
        this.clock = clock;
        this.breaker = breaker;
        this.events = events;
        this.letOutNext = letOutNext;
        this.circuitsOpened = circuitsOpened;
        int n = Math.max(1, store.writers());
        for (int i = 1; i <= n; i++) {
            writers.add(Thread.ofPlatform().daemon().name(n == 1 ? "herald-recorder" : "herald-recorder-" + i).start(this::loop));
        }
    }

    /**
     * Writes {@code e} (or its stand-in); returns false when the delivery's lease was lost meanwhile
     * (the attempt row is written all the same). Throws when nothing could be written.
     */
    boolean record(Entry e) {
        // The attempt's columns are made here, on the attempt's own thread: the writer only binds them.
        Attempts.Row row = null;
        Throwable unwritable = null;
        try {
            row = Attempts.row(e.attempt());
        } catch (RuntimeException | Error t) {
            // As if its insert had failed: the batch's usual path writes a stand-in for it.
            unwritable = t;
        }
        Pending p = new Pending(e, row, unwritable);
        synchronized (this) {
            if (closed) {
                throw new HeraldException.StoreUnavailable("the attempt recorder is closed", null);
            }
            queue.add(p);
        }
        try {
            return p.done.join();
        } catch (CompletionException ce) {
            if (ce.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw ce;
        }
    }

    /** Transactions written so far. */
    long batches() {
        return batches.sum();
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            Thread.interrupted();
            Pending first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (first == STOP) {
                return;
            }
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            int stops = 0;
            for (java.util.Iterator<Pending> it = batch.iterator(); it.hasNext(); ) {
                if (it.next() == STOP) {
                    it.remove();
                    stops++;
                }
            }
            for (int i = 1; i < stops; i++) {
                queue.add(STOP); // the other threads' own
            }
            boolean stop = stops > 0;
            try {
                // Endpoints whose circuit this batch opened; its transaction runs on a store's writer thread.
                Set<String> opened = ConcurrentHashMap.newKeySet();
                write(batch, opened);
                if (letOut.getAndSet(false)) {
                    letOutNext.run();
                }
                if (!opened.isEmpty()) {
                    // Told even when the transaction that saw it failed and its records were written
                    // one by one: whoever is told holds only what an open circuit's row says.
                    circuitsOpened.accept(Set.copyOf(opened));
                }
            } catch (Throwable t) {
                // Not expected: write() answers every record itself. No caller may wait forever.
                log.error("recording {} attempts failed", batch.size(), t);
                batch.forEach(p -> p.done.completeExceptionally(t));
            }
            batch.clear();
            if (stop) {
                return;
            }
        }
    }

    private void write(List<Pending> batch, Set<String> opened) {
        batches.increment();
        try {
            boolean[] kept = store.inTransaction(h -> writeAll(h, batch, opened));
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done.complete(kept[i]);
            }
            return;
        } catch (RuntimeException | Error e) {
            if (StoreFaults.of(e).isPresent() || e instanceof HeraldException.CommitUnknown) {
                // The database's trouble, not these records': no use splitting them or writing stand-ins.
                retryToTheStore(batch, e, opened);
                return;
            }
            if (batch.size() == 1) {
                standIn(batch.getFirst(), e, opened);
                return;
            }
            log.debug("a batch of {} attempt records failed; writing them one by one", batch.size(), e);
        }
        for (Pending p : batch) {
            try {
                p.done.complete(store.inTransaction(h -> writeAll(h, List.of(p), opened))[0]);
            } catch (RuntimeException | Error e) {
                standIn(p, e, opened);
            }
        }
    }

    /**
     * The database could not take {@code batch}: writes it again after growing pauses, while the
     * deliveries' leases last (another node may claim them after), at most {@link #RETRY_FOR} in all
     * and not once the recorder is closing. What still cannot be written fails its caller; the
     * delivery is then attempted again when its lease ends. A commit whose outcome was unknown is
     * looked up first: written, it is not written twice.
     */
    private void retryToTheStore(List<Pending> batch, Throwable first, Set<String> opened) {
        long leaseEnds = batch.stream().mapToLong(p -> p.entry().claim().lockedUntil()).min().orElse(0)
                - DispatcherSettings.LEASE_MARGIN.toMillis();
        long giveUpAt = System.nanoTime() + RETRY_FOR.toNanos();
        boolean unknown = first instanceof HeraldException.CommitUnknown;
        Throwable last = first;
        long pause = 250;
        while (!closed && System.nanoTime() < giveUpAt && clock.millis() < leaseEnds) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                break;
            }
            pause = Math.min(pause * 2, 2_000);
            try {
                if (unknown && written(batch.getFirst().entry().attempt().id())) {
                    // The commit that broke had gone through: every record of the batch is there.
                    batch.forEach(p -> p.done.complete(true));
                    return;
                }
                unknown = false;
                boolean[] kept = store.inTransaction(h -> writeAll(h, batch, opened));
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).done.complete(kept[i]);
                }
                return;
            } catch (HeraldException.CommitUnknown again) {
                unknown = true;
                last = again;
            } catch (RuntimeException | Error again) {
                if (StoreFaults.of(again).isEmpty()) {
                    // The database answers again, and refuses something of these records: as usual.
                    for (Pending p : batch) {
                        try {
                            p.done.complete(store.inTransaction(h -> writeAll(h, List.of(p), opened))[0]);
                        } catch (RuntimeException | Error e) {
                            standIn(p, e, opened);
                        }
                    }
                    return;
                }
                last = again;
            }
        }
        RuntimeException failure = last instanceof RuntimeException re ? re
                : new HeraldException.StoreUnavailable("recording attempts failed: " + last, last);
        batch.forEach(p -> p.done.completeExceptionally(failure));
    }

    private boolean written(String attemptId) {
        return store.read(h -> h.createQuery("SELECT 1 FROM attempt WHERE id = :id").bind("id", attemptId)
                .mapTo(Integer.class).findOne().isPresent());
    }

    /** {@code p}'s record could not be written: writes a failed attempt saying so, or fails the caller. */
    private void standIn(Pending p, Throwable cause, Set<String> opened) {
        Entry e = p.entry();
        Attempt a = e.attempt();
        Outcome decided = Outcome.decide(0, Optional.empty(), a.attemptNumber(), e.finishedAt(), e.policy());
        Outcome failed = e.claim().probe() ? decided.ofProbe(e.finishedAt()) : decided;
        String reason = "failed inside Herald: the attempt's outcome (" + (a.responseStatusCode() == 0 ? "no response"
                : "HTTP " + a.responseStatusCode()) + ") could not be recorded: " + describe(cause);
        Attempt replaced = new Attempt(a.id(), a.appId(), a.msgId(), a.endpointId(), a.deliveryId(), a.attemptNumber(),
                Attempt.FAIL, a.triggerType(), a.url(), a.responseStatusCode(), "", a.responseDurationMs(), reason,
                failed.next(), a.timestamp(), a.requestHeaders(), a.requestBody(), a.requestBodyTruncated(),
                a.requestBodyIsPayload(), null);
        try {
            Pending standIn = new Pending(new Entry(e.claim(), replaced, failed, e.policy(), e.finishedAt()), Attempts.row(replaced), null);
            boolean kept = store.inTransaction(h -> writeAll(h, List.of(standIn), opened))[0];
            DeliveryLog.about(log.atWarn(), e.claim(), "unrecorded").setCause(cause)
                    .log("delivery {} (message {}, endpoint {}): attempt {} recorded as failed: its outcome could not be written",
                            e.claim().id(), e.claim().messageId(), e.claim().endpointId(), a.attemptNumber());
            p.done.complete(kept);
        } catch (RuntimeException | Error again) {
            again.addSuppressed(cause);
            p.done.completeExceptionally(again instanceof RuntimeException re ? re
                    : new HeraldException.StoreUnavailable("recording attempt failed: " + again, again));
        }
    }

    /**
     * The first line of what the database said (not the statement and arguments around it, which
     * may hold the response), in ASCII: a reason any database can store.
     */
    private static String describe(Throwable t) {
        Throwable said = t;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLException) {
                said = c;
                break;
            }
        }
        String m = said.getClass().getSimpleName() + (said.getMessage() == null ? "" : ": " + said.getMessage());
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        m = m.replaceAll("[^\\x20-\\x7E]", "?");
        return m.length() > 300 ? m.substring(0, 300) : m;
    }

    /**
     * Writes the records of {@code batch}: the attempts, their deliveries' next states, their
     * endpoints' health (see {@link Breaker}), and the operational events they cause
     * ({@link AttemptNotices}); per record, whether its lease still held.
     */
    private boolean[] writeAll(Handle h, List<Pending> batch, Set<String> opened) {
        List<Entry> entries = new ArrayList<>(batch.size());
        List<Attempts.Row> rows = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (p.unwritable() instanceof RuntimeException re) {
                throw re;
            } else if (p.unwritable() instanceof Error err) {
                throw err;
            }
            entries.add(p.entry());
            rows.add(p.row());
        }
        Attempts.insertAll(h, rows);
        boolean[] kept = Deliveries.finish(h, entries);
        // Endpoint rows are locked after the delivery rows, as a claim that holds deliveries locks them.
        Instant now = entries.getLast().finishedAt();
        Breaker.Recorded recorded = breaker.record(h, store.dialect(), events, entries, now);
        Set<String> fifo = recorded.fifo();
        opened.addAll(recorded.opened());
        for (Entry e : entries) {
            if (e.outcome().kind() == Outcome.Kind.GONE) {
                Endpoints.disable(h, events, e.attempt().endpointId(), e.finishedAt().toEpochMilli(), null,
                        "the receiver answered 410 Gone");
            }
        }
        AttemptNotices.tell(h, events, entries, kept);
        if (!fifo.isEmpty() && Fifo.advance(h, store.dialect(), fifo, now.toEpochMilli()) > 0) {
            letOut.set(true);
        }
        return kept;
    }

    /** Writes what is waiting, then stops the writer; records asked for later fail. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            // One each: a thread that takes a STOP ends (one in a batch it drained ends it too).
            writers.forEach(w -> queue.add(STOP));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Thread w : writers) {
            try {
                w.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream().filter(p -> p != STOP)
                .forEach(p -> p.done.completeExceptionally(new HeraldException.StoreUnavailable("the attempt recorder is closed", null)));
    }

    /**
     * A record waiting for its batch: the entry, its attempt's columns (null when making them threw
     * {@code unwritable}), and its caller's answer.
     */
    private record Pending(Entry entry, Attempts.Row row, Throwable unwritable, CompletableFuture<Boolean> done) {
        Pending(Entry entry, Attempts.Row row, Throwable unwritable) {
            this(entry, row, unwritable, new CompletableFuture<>());
        }
    }
}
