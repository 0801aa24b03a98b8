package io.herald.task;

import io.herald.store.Dialect;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Rows;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The SQL of {@code background_task}. A running task is due when no live lease holds it; every
 * change a runner makes is guarded by the version it leased, so a runner that lost its lease
 * (it stalled past it and another node took the task over) changes nothing.
 */
final class TaskRows {
    private TaskRows() {}

    /** A task as stored, with its cursor and lease. */
    record Row(BackgroundTask task, String afterId, int version, String lockedBy, int failures) {}

    static final RowMapper<Row> ROW = (rs, ctx) -> new Row(new BackgroundTask(
            rs.getString("id"), BackgroundTask.Type.of(rs.getString("task")), BackgroundTask.Status.of(rs.getString("status")),
            rs.getString("app_id"), rs.getString("endpoint_id"), Rows.instant(rs, "since_at"), Rows.instant(rs, "until_at"),
            rs.getLong("messages_queued"), rs.getString("error"), Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at")),
            rs.getString("after_id"), rs.getInt("version"), rs.getString("locked_by"), rs.getInt("failures"));

    /** Writes a new running task, unleased, so that the next claim of any node starts it. */
    static void insert(Handle h, BackgroundTask t, String afterId) {
        h.createUpdate("""
                INSERT INTO background_task (id, task, status, app_id, endpoint_id, since_at, until_at, after_id,
                                             messages_queued, error, locked_by, locked_until, version, created_at, updated_at)
                VALUES (:id, :task, :status, :app, :ep, :since, :until, :after, 0, NULL, NULL, NULL, 0, :now, :now)""")
                .bind("id", t.id()).bind("task", t.type().wire()).bind("status", t.status().wire())
                .bind("app", t.appId()).bind("ep", t.endpointId()).bind("since", t.since().toEpochMilli())
                .bind("until", t.until().toEpochMilli()).bind("after", afterId).bind("now", t.createdAt().toEpochMilli())
                .execute();
    }

    static Optional<Row> find(Handle h, String id) {
        return h.createQuery("SELECT * FROM background_task WHERE id = :id").bind("id", id).map(ROW).findOne();
    }

    /** Newest first unless the request says otherwise; {@code status} and {@code type} null for all. */
    static Page<BackgroundTask> page(Handle h, String appId, BackgroundTask.Status status, BackgroundTask.Type type,
                                     PageRequest page) {
        String sql = "SELECT * FROM background_task WHERE 1 = 1"
                + (appId == null ? "" : " AND app_id = :app")
                + (status == null ? "" : " AND status = :status")
                + (type == null ? "" : " AND task = :task");
        return Pager.page(h, sql, page, q -> {
            if (appId != null) {
                q.bind("app", appId);
            }
            if (status != null) {
                q.bind("status", status.wire());
            }
            if (type != null) {
                q.bind("task", type.wire());
            }
        }, ROW, r -> r.task().id()).map(Row::task);
    }

    /** Drops every running task's lease; only where no other process can hold one (SQLite, at start). */
    static int releaseEveryLease(Handle h) {
        return h.createUpdate("""
                UPDATE background_task SET locked_by = NULL, locked_until = NULL, version = version + 1
                WHERE locked_by IS NOT NULL AND status = 'running'""").execute();
    }

    /** The id of a running task of {@code type} on the endpoint, if there is one. */
    static Optional<String> runningOn(Handle h, String endpointId, BackgroundTask.Type type) {
        return h.createQuery("""
                SELECT id FROM background_task WHERE endpoint_id = :ep AND task = :task AND status = 'running'
                ORDER BY id LIMIT 1""")
                .bind("ep", endpointId).bind("task", type.wire()).mapTo(String.class).findOne();
    }

    static boolean anyDue(Handle h, long now, Collection<String> skip) {
        Query q = h.createQuery("""
                SELECT 1 FROM background_task
                WHERE status = 'running' AND (locked_until IS NULL OR locked_until < :now) %s LIMIT 1"""
                        .formatted(skip.isEmpty() ? "" : "AND id NOT IN (<skip>)"))
                .bind("now", now);
        return skipping(q, skip).mapTo(Integer.class).findOne().isPresent();
    }

    /**
     * Leases to {@code node} until {@code leaseUntil} the due running task that waited longest
     * since its last batch (or its start), other than those in {@code skip}, if there is one. A
     * runner releases a task after each batch, so due tasks take turns batch by batch.
     */
    static Optional<Row> claimDue(Handle h, Dialect dialect, String node, long now, long leaseUntil, Collection<String> skip) {
        Query q = h.createQuery("""
                UPDATE background_task SET locked_by = :node, locked_until = :until, version = version + 1
                WHERE id IN (
                    SELECT id FROM background_task
                    WHERE status = 'running' AND (locked_until IS NULL OR locked_until < :now) %s
                    ORDER BY updated_at, id
                    LIMIT 1 %s)
                RETURNING *""".formatted(skip.isEmpty() ? "" : "AND id NOT IN (<skip>)", dialect.lockClause()))
                .bind("node", node).bind("until", leaseUntil).bind("now", now);
        return skipping(q, skip).map(ROW).findOne();
    }

    /** Binds {@code <skip>}, which the query names only when {@code skip} is not empty. */
    private static Query skipping(Query q, Collection<String> skip) {
        return skip.isEmpty() ? q : q.bindList("skip", List.copyOf(skip));
    }

    /**
     * Locks the task's row for the rest of the transaction if {@code leased} still holds its
     * lease; false when it was lost (another runner claimed the task after the lease expired, or
     * it was released at shutdown).
     */
    static boolean stillLeased(Handle h, Dialect dialect, Row leased) {
        return h.createQuery("""
                SELECT id FROM background_task WHERE id = :id AND version = :version AND locked_by = :node %s"""
                        .formatted(dialect.rowLockClause()))
                .bind("id", leased.task().id()).bind("version", leased.version()).bind("node", leased.lockedBy())
                .mapTo(String.class).findOne().isPresent();
    }

    /**
     * Records a batch: the new cursor, {@code queued} more deliveries, no failure, and either the
     * end (finished or failed) or, still running, the lease released so that other due tasks get
     * their turn first. Returns the row as written, or empty when the lease was lost.
     */
    static Optional<Row> advance(Handle h, Row leased, String afterId, long queued, BackgroundTask.Status status,
                                 String error, long now) {
        return update(h, leased, afterId, queued, status, error, 0, null, now);
    }

    /**
     * Records a failed batch ({@code failures} in a row now): still running and due again at
     * {@code retryAt}, or failed for good. Returns the row as written, or empty when the lease was lost.
     */
    static Optional<Row> failed(Handle h, Row leased, int failures, BackgroundTask.Status status, String error,
                                Long retryAt, long now) {
        return update(h, leased, leased.afterId(), 0, status, error, failures, retryAt, now);
    }

    private static Optional<Row> update(Handle h, Row leased, String afterId, long queued, BackgroundTask.Status status,
                                        String error, int failures, Long lockedUntil, long now) {
        int n = h.createUpdate("""
                UPDATE background_task SET after_id = :after, messages_queued = messages_queued + :queued,
                       status = :status, error = :error, failures = :failures, locked_by = NULL, locked_until = :lockedUntil,
                       version = version + 1, updated_at = :now
                WHERE id = :id AND version = :version AND locked_by = :node""")
                .bind("after", afterId).bind("queued", queued).bind("status", status.wire()).bind("error", error)
                .bind("failures", failures).bind("lockedUntil", lockedUntil)
                .bind("now", now).bind("id", leased.task().id()).bind("version", leased.version())
                .bind("node", leased.lockedBy())
                .execute();
        return n == 1 ? find(h, leased.task().id()) : Optional.empty();
    }

    /** Drops every lease {@code node} holds, at shutdown, so another node resumes its tasks at once. */
    static int releaseAll(Handle h, String node) {
        return h.createUpdate("""
                UPDATE background_task SET locked_by = NULL, locked_until = NULL, version = version + 1
                WHERE locked_by = :node AND status = 'running'""")
                .bind("node", node).execute();
    }
}
