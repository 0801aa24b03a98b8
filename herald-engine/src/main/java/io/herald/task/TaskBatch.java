package io.herald.task;

import io.herald.delivery.Deliveries;
import io.herald.delivery.Dispatcher;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.store.Dialect;
import io.herald.store.Ids;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * One step of a leased task, in one short transaction: the next {@code size} messages of its
 * window, the deliveries it queues for some of them (unleased, due now, manual, with the
 * endpoint's retry schedule, so any node's dispatcher claims them; a message scheduled for later
 * is due at its deliverAt), and the new cursor and count.
 * All of it commits together or not at all, so a task resumed after a crash neither skips nor
 * repeats a message.
 */
final class TaskBatch {
    static final int DEFAULT_SIZE = 500;

    private final Ids ids;
    private final Dispatcher dispatcher;
    private final Dialect dialect;
    private final int size;

    TaskBatch(Ids ids, Dispatcher dispatcher, Dialect dialect, int size) {
        this.ids = ids;
        this.dispatcher = dispatcher;
        this.dialect = dialect;
        this.size = size;
    }

    /** The lease was lost: another runner owns the task now. Thrown to roll the batch back. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost(String taskId) {
            super("task " + taskId + ": lease lost; another node runs it now", null, false, false);
        }
    }

    /** Runs the next batch of {@code leased}; returns the task as written. Throws {@link LeaseLost}. */
    TaskRows.Row run(Handle h, TaskRows.Row leased, long now, long leaseUntil) {
        BackgroundTask t = leased.task();
        // Tasks on one endpoint take turns batch by batch, so two of them never both queue a message
        // the other is queuing; and the endpoint cannot be disabled or deleted under the batch.
        boolean exists = h.createQuery("SELECT id FROM endpoint WHERE id = :id " + dialect.rowLockClause())
                .bind("id", t.endpointId()).mapTo(String.class).findOne().isPresent();
        Optional<Endpoints.Sendable> found = exists ? Endpoints.sendable(h, t.endpointId()) : Optional.empty();
        if (found.isEmpty()) {
            return end(h, leased, "endpoint " + t.endpointId() + " was deleted", now);
        }
        Endpoint ep = found.get().endpoint();
        if (ep.disabled()) {
            return end(h, leased, "endpoint " + ep.id() + " was disabled while the task ran; enable it and start a new task", now);
        }
        List<Candidate> batch = Candidate.next(h, t, leased.afterId(), size);
        List<Candidate> chosen = Pick.of(t.type()).choose(h, ep, batch);
        List<Deliveries.Target> target = List.of(Deliveries.Target.of(ep, dispatcher.retryDelays()));
        Dispatcher.Reservation unleased = dispatcher.reserve(0);
        for (Candidate c : chosen) {
            // A message scheduled for later (deliverAt) is not sent before its time.
            long due = c.deliverAt() == null ? now : Math.max(now, c.deliverAt());
            if (Deliveries.insert(h, ids, t.appId(), c.id(), target, Deliveries.TRIGGER_MANUAL, now, due, unleased).isEmpty()) {
                throw new IllegalStateException("endpoint " + ep.id() + " refused a delivery although this batch holds it");
            }
        }
        String after = batch.isEmpty() ? leased.afterId() : batch.getLast().id();
        BackgroundTask.Status status = batch.size() < size ? BackgroundTask.Status.FINISHED : BackgroundTask.Status.RUNNING;
        return TaskRows.advance(h, leased, after, chosen.size(), status, null, now, leaseUntil)
                .orElseThrow(() -> new LeaseLost(t.id()));
    }

    private static TaskRows.Row end(Handle h, TaskRows.Row leased, String error, long now) {
        return TaskRows.advance(h, leased, leased.afterId(), 0, BackgroundTask.Status.FAILED, error, now, 0)
                .orElseThrow(() -> new LeaseLost(leased.task().id()));
    }
}
