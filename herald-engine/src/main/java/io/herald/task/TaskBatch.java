package io.herald.task;

import io.herald.delivery.Deliveries;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.store.Dialect;
import io.herald.store.Ids;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * One step of a leased task, in two parts. {@link #plan} runs on a reading connection: it reads
 * the endpoint, the next {@code size} messages of the window and chooses among them, payloads and
 * CEL filter included, so that on SQLite none of that holds the one writer. {@link #write} is one
 * short transaction: it re-checks the cheap conditions (the lease, the endpoint still there and
 * enabled, per message that no delivery was queued since the plan read the queue and the payload
 * was not deleted), inserts the deliveries in one batch (unleased, manual, with the endpoint's
 * retry schedule, so any node's dispatcher claims them; due now, or at a scheduled message's
 * deliverAt) and moves the cursor and count. All of the write commits together or not at all, so
 * a task resumed after a crash neither skips nor repeats a message.
 */
final class TaskBatch {
    static final int DEFAULT_SIZE = 500;

    private final Ids ids;
    private final List<Duration> serverDelays;
    private final Dialect dialect;
    private final int size;

    TaskBatch(Ids ids, List<Duration> serverDelays, Dialect dialect, int size) {
        this.ids = ids;
        this.serverDelays = serverDelays;
        this.dialect = dialect;
        this.size = size;
    }

    /**
     * The lease was lost (another runner owns the task now), or the task's application was deleted
     * (its task goes with it). Thrown to roll the batch back.
     */
    static final class LeaseLost extends RuntimeException {
        LeaseLost(String taskId) {
            this(taskId, "lease lost; another node runs it now");
        }

        LeaseLost(String taskId, String why) {
            super("task " + taskId + ": " + why, null, false, false);
        }
    }

    /**
     * What a batch writes, as read: the endpoint, the messages to queue again, the batch's last
     * message id (the next cursor; null for an empty batch) and whether it was a full batch (more
     * may follow). Empty when the endpoint was deleted or disabled: the write then ends the task.
     */
    record Plan(Endpoint endpoint, List<Pick.Chosen> chosen, String lastId, boolean full) {}

    /** Reads and chooses the next batch of {@code leased}, on a reading connection. */
    Optional<Plan> plan(Handle h, TaskRows.Row leased) {
        BackgroundTask t = leased.task();
        Optional<Endpoints.Sendable> found = Endpoints.sendable(h, t.endpointId());
        if (found.isEmpty() || found.get().endpoint().disabled()) {
            return Optional.empty();
        }
        Endpoint ep = found.get().endpoint();
        List<Candidate> batch = Candidate.next(h, t, leased.afterId(), size);
        List<Pick.Chosen> chosen = Pick.of(t.type()).choose(h, ep, batch);
        return Optional.of(new Plan(ep, chosen, batch.isEmpty() ? null : batch.getLast().id(), batch.size() == size));
    }

    /** Writes a planned batch of {@code leased}; returns the task as written. Throws {@link LeaseLost}. */
    TaskRows.Row write(Handle h, TaskRows.Row leased, Optional<Plan> planned, long now) {
        BackgroundTask t = leased.task();
        // As a publish does: an application delete waits for this batch, or this batch finds the
        // application gone and stops (its task goes with the application's rows, see Applications.delete).
        if (h.createQuery("SELECT id FROM application WHERE id = :id " + dialect.shareLockClause())
                .bind("id", t.appId()).mapTo(String.class).findOne().isEmpty()) {
            throw new LeaseLost(t.id(), "its application " + t.appId() + " was deleted");
        }
        // Locks the task's row: on PostgreSQL a runner that lost its lease stops here, before it writes.
        if (!TaskRows.stillLeased(h, dialect, leased)) {
            throw new LeaseLost(t.id());
        }
        // Locks the endpoint's row (not on SQLite, where this transaction is the only writer): it
        // cannot be disabled or deleted under the batch, and tasks on one endpoint take turns.
        Optional<Boolean> disabled = h.createQuery("SELECT disabled FROM endpoint WHERE id = :id " + dialect.rowLockClause())
                .bind("id", t.endpointId()).mapTo(Boolean.class).findOne();
        if (disabled.isEmpty()) {
            return end(h, leased, "endpoint " + t.endpointId() + " was deleted", now);
        }
        if (disabled.get()) {
            return end(h, leased, "endpoint " + t.endpointId() + " was disabled while the task ran; enable it and start a new task", now);
        }
        if (planned.isEmpty()) {
            // Deleted or disabled when read, back since: the next batch reads it again.
            return TaskRows.advance(h, leased, leased.afterId(), 0, BackgroundTask.Status.RUNNING, null, now)
                    .orElseThrow(() -> new LeaseLost(t.id()));
        }
        Plan plan = planned.get();
        List<Deliveries.Again> again = plan.chosen().stream().map(c -> new Deliveries.Again(c.candidate().id(),
                // A message scheduled for later (deliverAt) is not sent before its time.
                c.candidate().deliverAt() == null ? now : Math.max(now, c.candidate().deliverAt()), c.latestSeen())).toList();
        int queued = Deliveries.insertUnleased(h, ids, t.appId(), Deliveries.Target.of(plan.endpoint(), serverDelays), again,
                Deliveries.TRIGGER_MANUAL, now);
        String after = plan.lastId() == null ? leased.afterId() : plan.lastId();
        BackgroundTask.Status status = plan.full() ? BackgroundTask.Status.RUNNING : BackgroundTask.Status.FINISHED;
        return TaskRows.advance(h, leased, after, queued, status, null, now).orElseThrow(() -> new LeaseLost(t.id()));
    }

    private static TaskRows.Row end(Handle h, TaskRows.Row leased, String error, long now) {
        return TaskRows.advance(h, leased, leased.afterId(), 0, BackgroundTask.Status.FAILED, error, now)
                .orElseThrow(() -> new LeaseLost(leased.task().id()));
    }
}
