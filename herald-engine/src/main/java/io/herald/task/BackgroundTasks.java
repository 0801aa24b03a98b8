package io.herald.task;

import io.herald.HeraldException;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.delivery.Dispatcher;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Recover and replay-missing: operations on many messages of one endpoint, started by a request
 * and run in the background, in short batches, by whichever node leases them; due tasks take
 * turns batch by batch (see {@link TaskRunner}). Starting one only writes its row. An endpoint
 * runs at most one task of each type at a time: another is refused while one runs.
 *
 * <p>Not guaranteed: that a task sees a message published while it runs; the window ends when
 * the task starts at the latest. Nor that a delivery it queues is not also queued by a
 * resend made at the same time.
 */
public final class BackgroundTasks implements AutoCloseable {
    /** How long a node holds a task between batches before another node may take it over. */
    public static final Duration LEASE = Duration.ofSeconds(60);
    /** Svix's task types that Herald never runs: a valid filter that matches nothing. */
    private static final Set<String> SVIX_ONLY_TYPES = Set.of("application.stats", "message.broadcast", "sdk.generate",
            "event-type.aggregate", "application.purge_content", "endpoint.bulk-replay");

    private final Store store;
    private final Ids ids;
    private final Clock clock;
    private final TaskRunner runner;

    public BackgroundTasks(Store store, Ids ids, Clock clock, Dispatcher dispatcher, Duration pollInterval) {
        this(store, ids, clock, dispatcher, pollInterval, TaskBatch.DEFAULT_SIZE);
    }

    BackgroundTasks(Store store, Ids ids, Clock clock, Dispatcher dispatcher, Duration pollInterval, int batchSize) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.runner = new TaskRunner(store, new TaskBatch(ids, dispatcher.retryDelays(), store.dialect(), batchSize), clock,
                dispatcher.node(), LEASE, pollInterval, dispatcher.operationalEvents());
    }

    /** Starts the poller (unless the poll interval is zero). */
    public void start() {
        runner.start();
    }

    /**
     * Queues again every message of the window whose latest delivery to the endpoint failed for
     * good. {@code until} null means now; a later one is cut to now. Refused (a conflict naming the
     * running task) while the endpoint already runs a recover.
     */
    public BackgroundTask recover(String appIdOrUid, String endpointIdOrUid, Instant since, Instant until) {
        return begin(BackgroundTask.Type.ENDPOINT_RECOVER, appIdOrUid, endpointIdOrUid, since, until);
    }

    /**
     * Queues every message of the window that the endpoint never had a delivery of and now
     * subscribes to. Refused (a conflict naming the running task) while the endpoint already runs one.
     */
    public BackgroundTask replayMissing(String appIdOrUid, String endpointIdOrUid, Instant since, Instant until) {
        return begin(BackgroundTask.Type.ENDPOINT_REPLAY, appIdOrUid, endpointIdOrUid, since, until);
    }

    private BackgroundTask begin(BackgroundTask.Type type, String appIdOrUid, String endpointIdOrUid, Instant since, Instant until) {
        Instant now = clock.instant();
        if (since == null) {
            throw new HeraldException.InvalidInput("since", "is required");
        }
        if (since.isAfter(now)) {
            throw new HeraldException.InvalidInput("since", "is in the future");
        }
        Instant end = until == null || until.isAfter(now) ? now : until;
        if (since.isAfter(end)) {
            throw new HeraldException.InvalidInput("since", "must not be after until");
        }
        BackgroundTask started = store.inTransaction(h -> {
            Application app = Applications.get(h, appIdOrUid);
            // As a publish does: an application delete waits for this task's row, or this finds
            // the application gone and writes none.
            h.createQuery("SELECT id FROM application WHERE id = :id " + store.dialect().shareLockClause())
                    .bind("id", app.id()).mapTo(String.class).findOne()
                    .orElseThrow(() -> new HeraldException.NotFound("application", appIdOrUid));
            Endpoint ep = Endpoints.find(h, app.id(), endpointIdOrUid);
            if (ep.disabled()) {
                throw new HeraldException.InvalidInput("endpointId", "endpoint " + ep.id() + " is disabled; enable it first");
            }
            // On PostgreSQL, two starts on one endpoint take turns on its row, so the second sees the
            // first's task (committed by then) below. SQLite runs one write transaction at a time.
            h.createQuery("SELECT id FROM endpoint WHERE id = :id " + store.dialect().rowLockClause())
                    .bind("id", ep.id()).mapTo(String.class).findOne();
            TaskRows.runningOn(h, ep.id(), type).ifPresent(running -> {
                throw new HeraldException.Conflict("endpointId", "endpoint " + ep.id() + " already has a running "
                        + type.wire() + " task, " + running + "; wait until it ends (GET /api/v1/background-task/"
                        + running + ") and start this one again");
            });
            BackgroundTask t = new BackgroundTask(ids.next("qtask"), type, BackgroundTask.Status.RUNNING, app.id(), ep.id(),
                    since, end, 0, null, now, now);
            // Every message id made in since's millisecond or later sorts after this one.
            TaskRows.insert(h, t, Ids.lastAt("msg", since.toEpochMilli() - 1));
            return t;
        });
        runner.wake();
        return started;
    }

    /** The task {@code taskId}, whichever application's it is. */
    public BackgroundTask get(String taskId) {
        return get(null, taskId);
    }

    /** The task {@code taskId}; with {@code appId} (an application's own view), only if it is that application's. */
    public BackgroundTask get(String appId, String taskId) {
        return store.read(h -> TaskRows.find(h, taskId)).map(TaskRows.Row::task)
                .filter(t -> appId == null || t.appId().equals(appId))
                .orElseThrow(() -> new HeraldException.NotFound("background task", taskId));
    }

    /**
     * Tasks, newest first by default; {@code appId} null for every application's, {@code status}
     * null for all, {@code task} a Svix task type or null for all. A Svix type that Herald never
     * runs is a filter that matches nothing.
     */
    public Page<BackgroundTask> list(String appId, BackgroundTask.Status status, String task, PageRequest page) {
        BackgroundTask.Type type = null;
        if (task != null) {
            type = BackgroundTask.Type.find(task).orElse(null);
            if (type == null && SVIX_ONLY_TYPES.contains(task)) {
                return new Page<>(List.of(), null, null, true);
            }
            if (type == null) {
                throw new HeraldException.InvalidInput("task", "must be a Svix background task type such as endpoint.recover or endpoint.replay");
            }
        }
        BackgroundTask.Type t = type;
        return store.read(h -> TaskRows.page(h, appId, status, t, page));
    }

    /**
     * Runs the due tasks, a batch of each in turn, until none is due, at the clock's time; returns
     * how many batches ran. For tests and tools that drive time with a test clock instead of the
     * poller. A task whose batch failed is due again a lease later.
     */
    public int runDueOnce() {
        return runner.runDueOnce();
    }

    /** Stops after the batch in progress and gives this node's tasks back. */
    @Override
    public void close() {
        runner.close();
    }
}
