package io.herald.task;

import io.herald.operational.OperationalEvents;
import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs due tasks, one batch at a time: it leases the due task that waited longest since its last
 * batch, runs one batch, and releases it, so that every due task gets a batch in turn and a huge
 * task holds up a small one by one batch at most. On PostgreSQL any node may run any task; one
 * whose node died in a batch is due again when its lease expires. The poller thread never dies: a
 * failing batch is logged with its task, the task is due again a lease later, and the
 * {@value #MAX_FAILURES}th failure in a row ends it as failed with the last error. A task that ends,
 * finished or failed, is told as the operational event {@code background_task.finished} in the
 * transaction that ends it.
 */
final class TaskRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** Failed batches in a row after which a task ends as failed instead of being tried again. */
    static final int MAX_FAILURES = 5;

    private final Store store;
    private final TaskBatch batch;
    private final Clock clock;
    private final String node;
    private final Duration lease;
    private final Duration pollInterval;
    private final OperationalEvents events;
    private volatile boolean running = true;
    private volatile Thread poller;

    TaskRunner(Store store, TaskBatch batch, Clock clock, String node, Duration lease, Duration pollInterval,
               OperationalEvents events) {
        this.events = events;
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
            int n = store.inTransaction(TaskRows::releaseEveryLease);
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

    /**
     * Runs batches of due tasks in rounds, one batch of each task per round, until none is due;
     * returns how many batches ran (failed ones not counted). A task whose batch failed is not due
     * again before a lease has passed, so this ends.
     */
    int runDueOnce() {
        int batches = 0;
        // The tasks that had their batch in this round. With a clock that reads the same time for
        // several batches, updated_at alone would not tell which task waited longest.
        Set<String> round = new HashSet<>();
        while (running) {
            Optional<TaskRows.Row> next = claim(round);
            if (next.isEmpty()) {
                if (round.isEmpty()) {
                    break;
                }
                round.clear();
                continue;
            }
            round.add(next.get().task().id());
            if (runBatch(next.get()).isPresent()) {
                batches++;
            }
        }
        return batches;
    }

    Optional<TaskRows.Row> claim() {
        return claim(Set.of());
    }

    private Optional<TaskRows.Row> claim(Set<String> skip) {
        long now = clock.millis();
        // Looked for first on a reading connection: on SQLite a claim is a write, and a poll that
        // finds nothing should not take the one writer's turn.
        if (!store.read(h -> TaskRows.anyDue(h, now, skip))) {
            return Optional.empty();
        }
        return store.inTransaction(h -> TaskRows.claimDue(h, store.dialect(), node, now, now + lease.toMillis(), skip));
    }

    /**
     * One batch of a task this node leased, which it then releases: the task as written, or empty
     * when the lease was lost or the batch failed (the failure is recorded in the task).
     */
    Optional<TaskRows.Row> runBatch(TaskRows.Row leased) {
        TaskRows.Row row;
        try {
            // Read and chosen outside the write: see TaskBatch.
            Optional<TaskBatch.Plan> plan = store.read(h -> batch.plan(h, leased));
            row = store.inTransaction(h -> told(h, batch.write(h, leased, plan, clock.millis())));
        } catch (TaskBatch.LeaseLost e) {
            log.warn(e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            failed(leased, e);
            return Optional.empty();
        }
        if (row.task().status() != BackgroundTask.Status.RUNNING) {
            logEnd(row);
        }
        return Optional.of(row);
    }

    /** Records a failed batch: the task is due again a lease later, or after too many failures in a row ends as failed. */
    private void failed(TaskRows.Row leased, RuntimeException e) {
        String id = leased.task().id();
        int failures = leased.failures() + 1;
        String cause = e.getMessage() == null ? e.toString() : e.getMessage();
        boolean last = failures >= MAX_FAILURES;
        log.error("background task {} ({} of endpoint {}): batch failed, {} of {} tries in a row{}", id,
                leased.task().type().wire(), leased.task().endpointId(), failures, MAX_FAILURES,
                last ? "; the task ends as failed" : "; tried again in " + lease.toSeconds() + " s", e);
        long now = clock.millis();
        try {
            Optional<TaskRows.Row> row = store.inTransaction(h -> last
                    ? TaskRows.failed(h, leased, failures, BackgroundTask.Status.FAILED,
                            "gave up after " + failures + " failed batches in a row; the last: " + cause, null, now)
                    : TaskRows.failed(h, leased, failures, BackgroundTask.Status.RUNNING,
                            "batch failed (" + failures + " of " + MAX_FAILURES + " tries): " + cause, now + lease.toMillis(), now)
                    .map(r -> told(h, r)));
            row.filter(r -> r.task().status() != BackgroundTask.Status.RUNNING).ifPresent(TaskRunner::logEnd);
        } catch (RuntimeException again) {
            // The lease still holds the task: it is due again when the lease expires, uncounted.
            StoreFaults.logAt(log, Level.WARN, again).log("background task {}: could not record the failed batch", id);
        }
    }

    /** {@code row} as written; if its task ended, tells {@code background_task.finished} in {@code h}'s transaction. */
    private TaskRows.Row told(Handle h, TaskRows.Row row) {
        BackgroundTask t = row.task();
        if (t.status() != BackgroundTask.Status.RUNNING && !OperationalEvents.isInternal(t.appId())) {
            events.emit(h, OperationalEvents.TASK_FINISHED, null, () -> finishedData(t), clock.millis());
        }
        return row;
    }

    /** Svix's BackgroundTaskFinishedEvent data; its {@code data} as the task routes show it. */
    private static Map<String, Object> finishedData(BackgroundTask t) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("messagesSent", t.messagesQueued());
        data.put("appId", t.appId());
        data.put("endpointId", t.endpointId());
        data.put("since", t.since() == null ? null : t.since().toString());
        data.put("until", t.until() == null ? null : t.until().toString());
        if (t.error() != null) {
            data.put("error", t.error());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("taskId", t.id());
        m.put("task", t.type().wire());
        m.put("status", t.status().wire());
        m.put("data", data);
        return m;
    }

    private static void logEnd(TaskRows.Row row) {
        log.info("background task {} ({} of endpoint {}) {}: {} messages queued{}", row.task().id(), row.task().type().wire(),
                row.task().endpointId(), row.task().status().wire(), row.task().messagesQueued(),
                row.task().error() == null ? "" : "; " + row.task().error());
    }

    private void pollLoop() {
        while (running) {
            try {
                runDueOnce();
            } catch (RuntimeException e) {
                // The loop never dies: a database outage is waited out.
                StoreFaults.logAt(log, Level.WARN, e).log("running background tasks failed; retrying in {} ms", pollInterval.toMillis());
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
