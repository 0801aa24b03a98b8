package io.herald.task;

import io.herald.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs due tasks: leases one, advances it batch by batch (each batch renews the lease) until it
 * ends or the lease is lost, then takes the next. On PostgreSQL any node may run any task; one
 * whose node died is taken over when its lease expires. The poller thread never dies: a failing
 * batch is logged, and its task is tried again once its lease expires.
 */
final class TaskRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private final Store store;
    private final TaskBatch batch;
    private final Clock clock;
    private final String node;
    private final Duration lease;
    private final Duration pollInterval;
    private volatile boolean running = true;
    private volatile Thread poller;

    TaskRunner(Store store, TaskBatch batch, Clock clock, String node, Duration lease, Duration pollInterval) {
        this.store = store;
        this.batch = batch;
        this.clock = clock;
        this.node = node;
        this.lease = lease;
        this.pollInterval = pollInterval;
    }

    /** Starts the poller, unless the poll interval is zero (tests call {@link #runDueOnce}). */
    void start() {
        if (store.dialect().singleWriter()) {
            // Only this process uses the file: a lease left in it is from a process that died.
            int n = store.inTransaction(h -> h.createUpdate("""
                    UPDATE background_task SET locked_by = NULL, locked_until = NULL, version = version + 1
                    WHERE locked_by IS NOT NULL AND status = 'running'""").execute());
            if (n > 0) {
                log.info("resuming {} background tasks of a previous run", n);
            }
        }
        if (!pollInterval.isZero()) {
            poller = Thread.ofPlatform().daemon().name("herald-tasks").start(this::pollLoop);
        }
    }

    /** Lets the poller look for due tasks now instead of at its next tick. */
    void wake() {
        Thread p = poller;
        if (p != null) {
            LockSupport.unpark(p);
        }
    }

    /** Runs every due task to its end (or until its lease is lost); returns how many batches ran. */
    int runDueOnce() {
        int batches = 0;
        Optional<TaskRows.Row> next;
        while (running && (next = claim()).isPresent()) {
            batches += runToEnd(next.get());
        }
        return batches;
    }

    Optional<TaskRows.Row> claim() {
        long now = clock.millis();
        // Looked for first on a reading connection: on SQLite a claim is a write, and a poll that
        // finds nothing should not take the one writer's turn.
        if (!store.read(h -> TaskRows.anyDue(h, now))) {
            return Optional.empty();
        }
        return store.inTransaction(h -> TaskRows.claimDue(h, store.dialect(), node, now, now + lease.toMillis()));
    }

    /** Runs batches of a task this node leased; returns how many ran. */
    int runToEnd(TaskRows.Row leased) {
        TaskRows.Row row = leased;
        int batches = 0;
        while (running && row.task().status() == BackgroundTask.Status.RUNNING) {
            Optional<TaskRows.Row> next = runBatch(row);
            if (next.isEmpty()) {
                break;
            }
            row = next.get();
            batches++;
        }
        if (row.task().status() != BackgroundTask.Status.RUNNING) {
            log.info("background task {} ({} of endpoint {}) {}: {} messages queued{}", row.task().id(), row.task().type().wire(),
                    row.task().endpointId(), row.task().status().wire(), row.task().messagesQueued(),
                    row.task().error() == null ? "" : "; " + row.task().error());
        }
        return batches;
    }

    /** One batch; empty when the lease was lost or the batch failed (the task is resumed after its lease). */
    Optional<TaskRows.Row> runBatch(TaskRows.Row leased) {
        try {
            return Optional.of(store.inTransaction(h -> {
                long now = clock.millis();
                return batch.run(h, leased, now, now + lease.toMillis());
            }));
        } catch (TaskBatch.LeaseLost e) {
            log.warn(e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            log.error("background task {}: a batch failed; it is tried again when the lease expires", leased.task().id(), e);
            return Optional.empty();
        }
    }

    private void pollLoop() {
        while (running) {
            try {
                runDueOnce();
            } catch (RuntimeException e) {
                // The loop never dies: a database outage is waited out.
                log.warn("running background tasks failed; retrying in {} ms", pollInterval.toMillis(), e);
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(pollInterval.toMillis()));
        }
    }

    /** Stops after the batch in progress, and gives this node's tasks back to other nodes. */
    @Override
    public void close() {
        running = false;
        Thread p = poller;
        if (p != null) {
            LockSupport.unpark(p);
            try {
                p.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            store.inTransaction(h -> TaskRows.releaseAll(h, node));
        } catch (RuntimeException e) {
            log.warn("shutdown: could not release background tasks; their leases will expire", e);
        }
    }
}
