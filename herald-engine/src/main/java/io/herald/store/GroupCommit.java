package io.herald.store;

import io.herald.HeraldException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writers of the store: a few platform threads that run the write transactions of all
 * callers. Each writer takes every work waiting (up to a cap) into one database transaction, so
 * that they share one commit: on SQLite one fsync, on PostgreSQL one WAL flush and one
 * BEGIN/COMMIT instead of one per caller. When the writers are idle a work is taken at once, alone;
 * works pile up into shared transactions only while every writer is busy, so batches grow with
 * the load.
 *
 * <p>A batch first runs optimistically: every work in one transaction, no savepoint, one commit.
 * When one of its works throws, none of that counts: the transaction is rolled back and the whole
 * batch runs again with a savepoint per work (callbacks then run twice). There,
 * a work that throws is rolled back to its savepoint and its caller gets the exception; the others
 * in the batch are not affected. So a caller's outcome is what the careful run decides, and the
 * common batch, where nothing fails, pays no savepoint (on PostgreSQL a round trip per work, which
 * cost the server as much as a one-row insert). A caller
 * returns only after the commit that holds its writes, so "returned" still means "committed" (and,
 * on SQLite with {@code synchronous=FULL}, on disk). If the transaction itself fails (begin, commit,
 * a savepoint statement), every work of the batch fails with that error and none of it is written;
 * except that when the connection breaks during the commit (PostgreSQL), the server may have
 * committed it before the answer was lost, and every work fails with {@link
 * HeraldException.CommitUnknown} instead.
 *
 * <p>A work that the database aborts for a deadlock or a serialization failure (SQLSTATE
 * {@code 40P01}, {@code 40001}) runs again before its caller hears anything (in the careful
 * run when the optimistic one was aborted, else alone in a transaction of its own, and once more
 * alone after a short pause if aborted again; its callback runs at most {@link #MAX_RUNS} times in
 * all): batches hold their locks until they commit, so two writers' batches can deadlock where
 * the same works as separate transactions would have passed each other. Not guaranteed: that a
 * work waiting for a lock (another batch's, or an operator's transaction) does not hold up its
 * batch-mates; it does, until the lock is released or
 * PostgreSQL's {@code deadlock_timeout} finds a cycle. Other writers go on meanwhile.
 *
 * <p>The native work (statements, fsync) happens on these threads, so callers on virtual threads
 * wait parked instead of pinning one of the few carrier threads to the database.
 *
 * <p>A <em>commit delay</em> lets a writer wait briefly for more works before it begins a
 * transaction that would hold only a few, as PostgreSQL's {@code commit_delay} does: when works
 * come one at a time but often (a steady few hundred publishes and attempt records a second), each
 * would otherwise commit alone, and on SQLite every commit costs an fsync, the WAL frames of every
 * page it touched, and every reader's page cache. The writer waits only while works are arriving
 * (the previous batch was taken less than the delay ago), so a work after a quiet spell commits at
 * once; it waits at most the delay, and not at all once the batch is full.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** SQLite: works taken into one transaction at most, so a burst still commits every few milliseconds. */
    static final int MAX_BATCH = 256;
    /**
     * PostgreSQL: a backend keeps the ids of up to 64 subtransactions (savepoints that wrote) of its
     * transaction in shared memory; with more, every snapshot taken anywhere in the server while
     * the batch runs must look them up in pg_subtrans instead ("suboverflow"). A batch of 64 is
     * already 64 commits in one.
     */
    static final int MAX_BATCH_POSTGRESQL = 64;
    static final String SAVEPOINT = "herald_work";
    private static final Set<String> TRANSIENT = Set.of("40001", "40P01");
    /**
     * How many times a callback runs at most when the database keeps aborting it for a deadlock or
     * a serialization failure: in its batch, in the batch's careful run or alone, then alone again
     * after a short random pause, so that one unlucky meeting of two batches does not reach the
     * caller. It does not cure a lock-order cycle that keeps coming back on every try, which must
     * not exist: an application's delete once held the application's row while it waited for its
     * deliveries, and under steady publishing every try met a batch holding one of those deliveries
     * and waiting for that row (now two transactions, see Applications.delete).
     */
    static final int MAX_RUNS = 3;
    /** Put on the queue by close(). A writer that takes it puts it back for the next and stops. */
    private static final Work<Void> STOP = new Work<>(h -> null);

    private final Jdbi jdbi;
    private final int maxBatch;
    private final long delayNanos;
    private final LinkedBlockingQueue<Work<?>> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private int running;
    private boolean closed;
    private final LongAdder transactions = new LongAdder();
    private final LongAdder ranAgain = new LongAdder();
    private final LongAdder optimisticFailures = new LongAdder();
    private volatile Boolean local;
    private final DistributionSummary batchSize;
    private final Timer commitTime;

    /** Without a commit delay. */
    GroupCommit(Jdbi jdbi, String name, int writers, int maxBatch) {
        this(jdbi, name, writers, maxBatch, Duration.ZERO);
    }

    /**
     * Starts {@code writers} threads named {@code name-1} …, each committing up to {@code maxBatch}
     * works at once, waiting up to {@code commitDelay} for more while works keep coming.
     */
    GroupCommit(Jdbi jdbi, String name, int writers, int maxBatch, Duration commitDelay) {
        this(jdbi, name, writers, maxBatch, commitDelay, new SimpleMeterRegistry());
    }

    /** As above, measuring each batch's size and the time it took to run and commit in {@code registry}. */
    GroupCommit(Jdbi jdbi, String name, int writers, int maxBatch, Duration commitDelay, MeterRegistry registry) {
        this.batchSize = DistributionSummary.builder("herald.store.commit.batch.size")
                .description("Write transactions committed together in one database transaction").register(registry);
        this.commitTime = Timer.builder("herald.store.commit")
                .description("Time to run and commit one group-commit batch").register(registry);
        if (writers < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("writers and maxBatch must be at least 1");
        }
        if (commitDelay.isNegative()) {
            throw new IllegalArgumentException("commitDelay must not be negative");
        }
        this.jdbi = jdbi;
        this.maxBatch = maxBatch;
        this.delayNanos = commitDelay.toNanos();
        synchronized (this) {
            for (int i = 1; i <= writers; i++) {
                this.writers.add(Thread.ofPlatform().daemon().name(writers == 1 ? name : name + "-" + i).unstarted(this::loop));
            }
            running = writers;
        }
        this.writers.forEach(Thread::start);
    }

    /** Runs {@code callback} in a transaction shared with whatever else is waiting; returns after commit. */
    <T> T run(HandleCallback<T, RuntimeException> callback) {
        if (writers.contains(Thread.currentThread())) {
            // The outer work holds this writer's transaction until it returns: waiting for another
            // would never end when every other writer is busy, or is this one.
            throw new IllegalStateException("a write transaction may not start another one");
        }
        Work<T> w = new Work<>(callback);
        synchronized (this) {
            if (closed) {
                throw new HeraldException.StoreUnavailable("database is closed", null);
            }
            queue.add(w);
        }
        return w.await();
    }

    private void loop() {
        List<Work<?>> batch = new ArrayList<>(maxBatch);
        long previousTake = System.nanoTime() - delayNanos;
        try {
            while (true) {
                // Only STOP ends the loop: an interrupt left over by a callback is not a reason to.
                Thread.interrupted();
                Work<?> first;
                try {
                    first = queue.take();
                } catch (InterruptedException e) {
                    continue;
                }
                if (first == STOP) {
                    queue.add(STOP);
                    break;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                long taken = System.nanoTime();
                if (taken - previousTake < delayNanos) {
                    waitForMore(batch, taken + delayNanos);
                }
                previousTake = taken;
                // Nothing is queued after STOP (close() adds it last), so what came before it is all
                // there is; the others stop when they take it.
                boolean stop = batch.remove(STOP);
                if (stop) {
                    queue.add(STOP);
                }
                try {
                    runBatch(batch);
                } catch (RuntimeException e) {
                    // A writer never dies of a batch: its callers are told, and it goes on.
                    log.error("group commit: a batch of {} failed outside its transaction", batch.size(), e);
                    for (Work<?> w : batch) {
                        w.failIfUnanswered(e);
                        w.answer();
                    }
                }
                batch.clear();
                if (stop) {
                    break;
                }
            }
        } finally {
            // However a writer ends, no caller may wait for it forever.
            for (Work<?> w : batch) {
                w.failIfUnanswered(new HeraldException.StoreUnavailable("the database writer stopped", null));
                w.answer();
            }
            boolean last;
            synchronized (this) {
                last = --running == 0;
                if (last) {
                    closed = true;
                }
            }
            if (last) {
                failAll(queue, new HeraldException.StoreUnavailable("database is closed", null));
            }
        }
    }

    /** Adds works as they come until {@code deadline} (nanoTime), a full batch, or close(). */
    private void waitForMore(List<Work<?>> batch, long deadline) {
        while (batch.size() < maxBatch && !batch.contains(STOP)) {
            long left = deadline - System.nanoTime();
            Work<?> next;
            try {
                next = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                return;
            }
            batch.add(next);
            queue.drainTo(batch, maxBatch - batch.size());
        }
    }

    private void runBatch(List<Work<?>> batch) {
        batchSize.record(batch.size());
        long started = System.nanoTime();
        try (Handle h = jdbi.open()) {
            try {
                runIn(h, batch);
            } catch (Throwable e) {
                try {
                    if (h.isInTransaction()) {
                        h.rollback();
                    }
                } catch (RuntimeException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        } catch (Throwable e) {
            // begin, commit or a savepoint statement failed: nothing of the batch is written (or, when
            // the connection broke during the commit, nobody knows: CommitUnknown), and every caller
            // is told so, even one whose own work failed: its failure may have come
            // from another caller's write that is now gone (a unique key, say), so it must not
            // look final.
            Throwable failure = told(e);
            for (Work<?> w : batch) {
                w.failBecauseTheBatchFailed(failure);
            }
        }
        commitTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        List<Work<?>> again = new ArrayList<>();
        for (Work<?> w : batch) {
            if (w.mayRunAgain()) {
                again.add(w);
            } else {
                w.answer();
            }
        }
        for (Work<?> w : again) {
            runAgainAlone(w);
            w.answer();
        }
    }

    /**
     * Runs the works in one transaction without savepoints and commits it; when a work throws, rolls
     * back and runs them all again with {@link #runWithSavepoints}. On PostgreSQL a savepoint
     * statement is a round trip to the server: two per work cost about as much client and server
     * CPU as a one-row insert (measured in docs/architecture.md, Storage).
     */
    private void runIn(Handle h, List<Work<?>> batch) {
        begin(h);
        for (Work<?> w : batch) {
            if (!w.run(h)) {
                // Rare (a refused statement, a changed plan): undone, and decided by the careful run.
                optimisticFailures.increment();
                if (w.mayRunAgain()) {
                    // Aborted for a deadlock or serialization failure: the careful run is its second.
                    ranAgain.increment();
                }
                undo(h, w, null);
                runWithSavepoints(h, batch);
                return;
            }
        }
        commit(h);
    }

    /**
     * Runs the works in one transaction and commits it, each that fails undone alone. The first
     * works need no savepoint: while a work is alone in the transaction, its failure is undone by
     * rolling the whole transaction back (and beginning another for the rest). From the first one
     * that succeeds on, each work gets a savepoint: taken once, then moved on with "RELEASE;
     * SAVEPOINT" in one round trip, and kept as it is after a rollback to it (it is then empty, as
     * if just taken).
     */
    private void runWithSavepoints(Handle h, List<Work<?>> batch) {
        int next = 0;
        begin(h);
        while (!batch.get(next++).run(h)) {
            // On PostgreSQL a failed statement leaves the transaction unusable until this rollback.
            undo(h, batch.get(next - 1), null);
            if (next == batch.size()) {
                return;
            }
            begin(h);
        }
        boolean taken = false;
        boolean empty = false;
        for (; next < batch.size(); next++) {
            if (!taken) {
                savepoint(h, false);
                taken = true;
            } else if (!empty) {
                savepoint(h, true);
            }
            empty = !batch.get(next).run(h);
            if (empty) {
                // Plain SQL, not jdbi's savepoint calls, which forget a savepoint once rolled back to.
                // If this fails (the work released the savepoint itself, say), the batch fails as a whole.
                undo(h, batch.get(next), "ROLLBACK TO " + SAVEPOINT);
            }
        }
        commit(h);
    }

    /**
     * Takes the savepoint, or ({@code move}) releases it and takes it again. On SQLite a statement
     * is a call into the library, so two kept statements cost least (jdbi's statements and SQLite's
     * compiling them were most of it); on PostgreSQL each is a round trip, so the two go in one batch.
     */
    private void savepoint(Handle h, boolean move) {
        if (local(h)) {
            if (move) {
                Prepared.on(h, "RELEASE " + SAVEPOINT).update();
            }
            Prepared.on(h, "SAVEPOINT " + SAVEPOINT).update();
        } else if (move) {
            h.createBatch().add("RELEASE " + SAVEPOINT).add("SAVEPOINT " + SAVEPOINT).execute();
        } else {
            h.execute("SAVEPOINT " + SAVEPOINT);
        }
    }

    /** Whether the database runs in this process (SQLite); asked of the first connection. */
    private boolean local(Handle h) {
        Boolean known = local;
        if (known == null) {
            try {
                known = local = h.getConnection().getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT)
                        .contains("sqlite");
            } catch (java.sql.SQLException e) {
                throw new org.jdbi.v3.core.ConnectionException(e);
            }
        }
        return known;
    }

    /**
     * Undoes a failed work: rolls the transaction back ({@code rollbackTo} null) or back to the
     * savepoint. When that fails because the database's own trouble made the work fail (SQLite ends
     * the whole transaction by itself on a full disk or an I/O error, so there is nothing left to
     * roll back), the batch fails with that trouble, which every caller is then told, not with the
     * rollback's complaint.
     */
    private static void undo(Handle h, Work<?> failed, String rollbackTo) {
        try {
            if (rollbackTo == null) {
                h.rollback();
            } else {
                h.execute(rollbackTo);
            }
        } catch (RuntimeException e) {
            if (failed.failure instanceof RuntimeException cause && StoreFaults.of(cause).isPresent()) {
                cause.addSuppressed(e);
                throw cause;
            }
            throw e;
        }
    }

    /** The commit failed; whether it was written is for {@link #told} to say. */
    private static final class CommitFailed extends RuntimeException {
        CommitFailed(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static void commit(Handle h) {
        try {
            h.commit();
        } catch (RuntimeException e) {
            throw new CommitFailed(e);
        }
    }

    /**
     * What the callers of a failed batch are told: a commit whose connection broke may have been
     * written ({@link HeraldException.CommitUnknown}); any other failure wrote nothing.
     */
    private static Throwable told(Throwable e) {
        if (!(e instanceof CommitFailed)) {
            return e;
        }
        Throwable cause = e.getCause();
        return StoreFaults.connectionLost(cause)
                ? new HeraldException.CommitUnknown("the connection to the database broke during the commit: " + cause.getMessage(), cause)
                : cause;
    }

    private void begin(Handle h) {
        transactions.increment();
        h.begin();
    }

    /** A work aborted for a deadlock or serialization failure, alone in a transaction this time. */
    private void runAgainAlone(Work<?> w) {
        int alone = 0; // bounds the loop even should the run itself never start
        do {
            ranAgain.increment();
            if (w.runs > 1) {
                // Aborted again, likely by the same other transaction: let it finish first.
                pause(ThreadLocalRandom.current().nextInt(5, 50));
            }
            try (Handle h = jdbi.open()) {
                begin(h);
                if (w.run(h)) {
                    commit(h);
                } else {
                    h.rollback();
                }
            } catch (Throwable e) {
                w.failBecauseTheBatchFailed(told(e));
            }
        } while (++alone < MAX_RUNS && w.mayRunAgain());
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when {@code e} or a cause is a deadlock or serialization failure. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (SQLException s = t instanceof SQLException x ? x : null; s != null; s = s.getNextException()) {
                if (s.getSQLState() != null && TRANSIENT.contains(s.getSQLState())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Works waiting for a writer. */
    int waiting() {
        return queue.size();
    }

    /** Database transactions begun so far, however many works each held. */
    long transactions() {
        return transactions.sum();
    }

    /** Runs of works after a deadlock or serialization failure aborted them (the careful run or alone). */
    long ranAgain() {
        return ranAgain.sum();
    }

    /** Batches whose optimistic run a work failed, so that they ran again with savepoints. */
    long optimisticFailures() {
        return optimisticFailures.sum();
    }

    private static void failAll(LinkedBlockingQueue<Work<?>> queue, RuntimeException e) {
        List<Work<?>> left = new ArrayList<>();
        queue.drainTo(left);
        for (Work<?> w : left) {
            if (w == STOP) {
                continue;
            }
            w.failIfUnanswered(e);
            w.answer();
        }
    }

    /**
     * Refuses new works, lets the writers commit those already waiting, and stops them. Works the
     * writers could not take in time fail.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Thread t : writers) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failAll(queue, new HeraldException.StoreUnavailable("database is closed", null));
    }

    /** One caller's transaction: its callback, then its result or failure. */
    private static final class Work<T> {
        private final HandleCallback<T, RuntimeException> callback;
        private final CountDownLatch answered = new CountDownLatch(1);
        private T result;
        private Throwable failure;
        /** How many times the callback has run; only the writer that holds the work touches it. */
        int runs;

        Work(HandleCallback<T, RuntimeException> callback) {
            this.callback = callback;
        }

        /** Runs the callback; false when it threw (its failure is then kept). */
        boolean run(Handle h) {
            runs++;
            try {
                result = callback.withHandle(h);
                failure = null;
                return true;
            } catch (Throwable e) {
                failure = e;
                result = null;
                return false;
            }
        }

        /** Failed for a deadlock or serialization failure, and has not yet run {@link #MAX_RUNS} times. */
        boolean mayRunAgain() {
            return runs < MAX_RUNS && failure != null && isTransient(failure);
        }

        void failBecauseTheBatchFailed(Throwable e) {
            failure = e;
            result = null;
        }

        void failIfUnanswered(Throwable e) {
            if (failure == null && answered.getCount() > 0) {
                failure = e;
                result = null;
            }
        }

        void answer() {
            answered.countDown();
        }

        T await() {
            boolean interrupted = false;
            while (true) {
                try {
                    answered.await();
                    break;
                } catch (InterruptedException e) {
                    // The work may already be in a transaction: its outcome must still be waited for.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            return result;
        }
    }
}
