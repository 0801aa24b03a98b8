package io.herald.store;

import io.herald.HeraldException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * The one writer of a single-writer database (SQLite): a platform thread that runs the write
 * transactions of all callers, taking every one that waits into a single database transaction so
 * that they share one commit and one fsync.
 *
 * <p>Each caller's work runs inside its own savepoint. A work that throws is rolled back to its
 * savepoint and its caller gets the exception; the others in the batch are not affected. A caller
 * returns only after the commit that holds its writes, so "returned" still means "on disk". If the
 * commit itself fails, every work of the batch fails with that error and none of them is written.
 *
 * <p>The native work (statements, fsync) happens on this thread, so callers on virtual threads
 * wait parked instead of pinning one of the few carrier threads to the database.
 */
final class GroupCommit implements AutoCloseable {
    /** Works taken into one transaction at most, so a burst still commits every few milliseconds. */
    static final int MAX_BATCH = 256;
    static final String SAVEPOINT = "herald_work";
    /** Put on the queue by close(): the writer stops when it takes it. */
    private static final Work<Void> STOP = new Work<>(h -> null);

    private final Jdbi jdbi;
    private final LinkedBlockingQueue<Work<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private boolean closed;
    private volatile long transactions;

    GroupCommit(Jdbi jdbi, String name) {
        this.jdbi = jdbi;
        this.writer = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    /** Runs {@code callback} in a transaction shared with whatever else is waiting; returns after commit. */
    <T> T run(HandleCallback<T, RuntimeException> callback) {
        if (Thread.currentThread() == writer) {
            // The outer work holds the only write transaction; waiting for another would never end.
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
        List<Work<?>> batch = new ArrayList<>(MAX_BATCH);
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
                    break;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean stop = batch.remove(STOP);
                transactions++;
                runBatch(batch);
                batch.clear();
                if (stop) {
                    break;
                }
            }
        } finally {
            // However the writer ends, no caller may wait for it forever.
            synchronized (this) {
                closed = true;
            }
            for (Work<?> w : batch) {
                w.failIfUnanswered(new HeraldException.StoreUnavailable("the database writer stopped", null));
                w.answer();
            }
            failAll(queue, new HeraldException.StoreUnavailable("database is closed", null));
        }
    }

    private void runBatch(List<Work<?>> batch) {
        try {
            if (batch.size() == 1) {
                // Alone: no savepoint needed; the work's own failure rolls the transaction back.
                Work<?> only = batch.getFirst();
                jdbi.useTransaction(only::runAlone);
            } else {
                jdbi.useTransaction(h -> {
                    for (Work<?> w : batch) {
                        w.runInSavepoint(h);
                    }
                });
            }
        } catch (Throwable e) {
            // begin, commit or a savepoint rollback failed: nothing of the batch is written, and
            // every caller is told so, even one whose own work failed: its failure may have come
            // from another caller's write that is now gone (a unique key, say), so it must not
            // look final.
            for (Work<?> w : batch) {
                w.failBecauseTheBatchFailed(e);
            }
        }
        for (Work<?> w : batch) {
            w.answer();
        }
    }

    /** Works waiting for the writer. */
    int waiting() {
        return queue.size();
    }

    /** Database transactions begun so far, however many works each held. */
    long transactions() {
        return transactions;
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
     * Refuses new works, lets the writer commit those already waiting, and stops it. Works the
     * writer could not take in time fail.
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
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(queue, new HeraldException.StoreUnavailable("database is closed", null));
    }

    /** One caller's transaction: its callback, then its result or failure. */
    private static final class Work<T> {
        private final HandleCallback<T, RuntimeException> callback;
        private final CountDownLatch answered = new CountDownLatch(1);
        private T result;
        private Throwable failure;

        Work(HandleCallback<T, RuntimeException> callback) {
            this.callback = callback;
        }

        void runAlone(Handle h) {
            try {
                result = callback.withHandle(h);
            } catch (Throwable e) {
                failure = e;
                throw e;
            }
        }

        /** Plain SQL, not jdbi's savepoint calls, which forget a savepoint once rolled back to. */
        void runInSavepoint(Handle h) {
            h.execute("SAVEPOINT " + SAVEPOINT);
            try {
                result = callback.withHandle(h);
            } catch (Throwable e) {
                failure = e;
                result = null;
                h.execute("ROLLBACK TO " + SAVEPOINT); // if this fails, the batch fails as a whole
            }
            h.execute("RELEASE " + SAVEPOINT);
        }

        void failBecauseTheBatchFailed(Throwable e) {
            failure = e;
            result = null;
        }

        void failIfUnanswered(Throwable e) {
            if (failure == null) {
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
