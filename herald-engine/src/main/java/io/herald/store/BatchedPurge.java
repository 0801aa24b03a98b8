package io.herald.store;

import java.time.Duration;
import org.jdbi.v3.core.Handle;

/**
 * Housekeeping over many rows (deleting expired ones, clearing old content): one small
 * transaction per batch, until a batch finds fewer rows than it may take. A batch never holds
 * SQLite's one writer, or a group commit that publishes share (see {@link GroupCommit}), for long;
 * between batches it pauses, so that the transactions waiting meanwhile commit without a purge
 * batch among them. Not guaranteed: that rows written during a run are seen by it.
 */
public final class BatchedPurge {
    /** Rows one transaction takes by default. */
    public static final int DEFAULT_BATCH = 500;
    /** The pause between batches by default: a few group commits' worth. */
    public static final Duration DEFAULT_PAUSE = Duration.ofMillis(10);

    /** One batch: takes at most {@code limit} rows (or messages, …) in {@code h}'s transaction; returns how many it took. */
    @FunctionalInterface
    public interface Batch {
        int run(Handle h, int limit);
    }

    private final Store store;
    private final int batch;
    private final Duration pause;

    public BatchedPurge(Store store, int batch, Duration pause) {
        if (batch < 1 || pause.isNegative()) {
            throw new IllegalArgumentException("batch must be at least 1 and pause not negative");
        }
        this.store = store;
        this.batch = batch;
        this.pause = pause;
    }

    public BatchedPurge(Store store) {
        this(store, DEFAULT_BATCH, DEFAULT_PAUSE);
    }

    public int batchSize() {
        return batch;
    }

    /**
     * Runs {@code work} in a transaction of its own, again and again while it takes a whole batch;
     * returns how many it took in all. Interrupted during a pause, it stops there with the interrupt
     * flag set (what was committed stays).
     */
    public int run(Batch work) {
        int total = 0;
        while (true) {
            int n = store.inTransaction(h -> work.run(h, batch));
            total += n;
            if (n < batch) {
                return total;
            }
            if (pause.isPositive()) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return total;
                }
            }
        }
    }
}
