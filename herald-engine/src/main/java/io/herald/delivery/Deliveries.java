package io.herald.delivery;

import io.herald.Json;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.RetrySchedule;
import io.herald.store.Dialect;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import java.time.Duration;
import io.herald.store.Ids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The SQL of the delivery queue. A row is {@code pending} until it succeeds or gives up; a pending
 * row is due when {@code next_attempt_at <= now} and no live lease ({@code locked_until > now})
 * holds it. Every change to a leased row is guarded by its {@code version}.
 */
public final class Deliveries {
    public static final String PENDING = "pending";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    /** Pending, but held while its endpoint's circuit is open; not due until released (see {@link Breaker}). */
    public static final String HELD = "held";
    public static final int TRIGGER_SCHEDULED = 0;
    public static final int TRIGGER_MANUAL = 1;

    private Deliveries() {}

    public static final int TRIGGER_TEST = 2;

    /**
     * A delivery this node holds a lease on, as of the claim. {@code retryDelays} (JSON array of ms)
     * and {@code timeoutMs} are the endpoint's when it was queued; null means the server's.
     */
    record Claim(String id, String appId, String messageId, String endpointId, int attempts, int version,
                        long lockedUntil, int triggerType, String retryDelays, Integer timeoutMs, boolean probe) {
        Claim(String id, String appId, String messageId, String endpointId, int attempts, int version,
              long lockedUntil, int triggerType, String retryDelays, Integer timeoutMs) {
            this(id, appId, messageId, endpointId, attempts, version, lockedUntil, triggerType, retryDelays, timeoutMs, false);
        }

        /** False for a row written unleased, which only a claim starts. */
        boolean leased() {
            return lockedUntil != 0;
        }

        /** The same claim as the probe of its endpoint's open circuit (see {@link Breaker}). */
        Claim asProbe() {
            return new Claim(id, appId, messageId, endpointId, attempts, version, lockedUntil, triggerType, retryDelays,
                    timeoutMs, true);
        }
    }

    /**
     * One delivery to queue: the endpoint, and its retry delays and timeout at this moment;
     * {@code startable} is false when its circuit was open as read, so the delivery is not started
     * by the writer but left to a claim (which holds it).
     */
    public record Target(String endpointId, String retryDelays, Integer timeoutMs, boolean startable, boolean fifo) {
        public Target(String endpointId, String retryDelays, Integer timeoutMs) {
            this(endpointId, retryDelays, timeoutMs, true, false);
        }

        public static Target of(Endpoint ep, List<Duration> serverDelays) {
            RetrySchedule retry = ep.policy().retry();
            boolean fifo = ep.policy().fifo();
            return new Target(ep.id(), retry == null ? null
                    : Json.write(retry.delays(serverDelays).stream().map(Duration::toMillis).toList()), ep.policy().timeoutMs(),
                    !ep.health().open() && !fifo, fifo);
        }

        /** A FIFO endpoint's deliveries are written held and let out in turn (see {@link Fifo}). */
        String status() {
            return fifo ? HELD : PENDING;
        }
    }

    /** What a statement that leases rows returns for {@link #CLAIM} to read. */
    static final String CLAIM_COLUMNS =
            "id, app_id, message_id, endpoint_id, attempts, version, locked_until, trigger_type, retry_delays, timeout_ms";

    static final RowMapper<Claim> CLAIM = (rs, ctx) -> new Claim(
            rs.getString("id"), rs.getString("app_id"), rs.getString("message_id"), rs.getString("endpoint_id"),
            rs.getInt("attempts"), rs.getInt("version"), rs.getLong("locked_until"), rs.getInt("trigger_type"),
            rs.getString("retry_delays"), Rows.intOrNull(rs, "timeout_ms"));

    /** The retry delays of a claimed delivery; {@code serverDelays} when it has none of its own. */
    static List<Duration> delays(Claim c, List<Duration> serverDelays) {
        if (c.retryDelays() == null) {
            return serverDelays;
        }
        return java.util.Arrays.stream(Json.read(c.retryDelays(), long[].class)).mapToObj(Duration::ofMillis).toList();
    }

    private static final String INSERT = """
            INSERT INTO delivery (id, app_id, message_id, endpoint_id, status, trigger_type, attempts,
                                  next_attempt_at, locked_by, locked_until, version, created_at, updated_at,
                                  retry_delays, timeout_ms)
            SELECT ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0, ?, ?, ?, ?
            WHERE EXISTS (SELECT 1 FROM endpoint WHERE id = ? AND disabled = ?)""";

    /**
     * Queues one delivery per endpoint, due at {@code dueAt}, to each endpoint that still exists and
     * is enabled (the targets may have been read before this transaction); returns those queued. The
     * first {@code leased} rows are born leased to {@code node} until {@code leaseUntil}, so no other
     * node starts them while this one does; the rest wait for any node's claim.
     */
    static List<Claim> insert(Handle h, Ids ids, String appId, String messageId, List<Target> targets,
                              int trigger, long now, long dueAt, int leased, String node, long leaseUntil) {
        List<Claim> claims = new ArrayList<>(targets.size());
        if (targets.isEmpty()) {
            return claims;
        }
        // Every publish runs this: a kept statement, one round trip for all rows.
        Prepared batch = Prepared.on(h, INSERT);
        List<Claim> candidates = new ArrayList<>(targets.size());
        int leasing = 0;
        for (Target t : targets) {
            boolean isLeased = t.startable() && leasing < leased;
            leasing += isLeased ? 1 : 0;
            String lockedBy = isLeased ? node : null;
            Long lockedUntil = isLeased ? leaseUntil : null;
            String id = ids.next("dlv");
            batch.set(id).set(appId).set(messageId).set(t.endpointId()).set(t.status()).set(trigger).set(dueAt).set(lockedBy).set(lockedUntil)
                    .set(now).set(now).set(t.retryDelays()).set(t.timeoutMs()).set(t.endpointId()).set(false).add();
            candidates.add(new Claim(id, appId, messageId, t.endpointId(), 0, 0, lockedUntil == null ? 0 : lockedUntil, trigger,
                    t.retryDelays(), t.timeoutMs()));
        }
        int[] counts = batch.batch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                // A driver that rewrites the batch (pgjdbc's reWriteBatchedInserts, for VALUES)
                // no longer says which rows were written, and skipped rows must not be started.
                throw new IllegalStateException("the driver did not report which deliveries were written");
            }
            if (counts[i] == 1) {
                claims.add(candidates.get(i));
            }
        }
        return claims;
    }

    /**
     * A delivery of {@code messageId} to queue again, due at {@code dueAt}, planned on a read of
     * the queue whose latest delivery of the message to the endpoint was {@code latestSeen} (null:
     * it had none).
     */
    public record Again(String messageId, long dueAt, String latestSeen) {}

    /**
     * Queues one delivery to {@code target} for each of {@code messages}, unleased (any node's claim
     * starts it), in one batch of statements. A row is written only while the endpoint exists and
     * is enabled, the message's payload is not deleted, and no delivery of the message to the
     * endpoint was queued after {@code latestSeen}: what a concurrent resend or task queued since
     * the plan was read is not queued twice. Returns how many were written.
     *
     * <p>Not guaranteed: a delivery queued in the same millisecond as {@code latestSeen} with a
     * smaller id (ids of one millisecond sort randomly) is not seen as later.
     */
    public static int insertUnleased(Handle h, Ids ids, String appId, Target target, List<Again> messages, int trigger, long now) {
        if (messages.isEmpty()) {
            return 0;
        }
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO delivery (id, app_id, message_id, endpoint_id, status, trigger_type, attempts,
                                      next_attempt_at, locked_by, locked_until, version, created_at, updated_at,
                                      retry_delays, timeout_ms)
                SELECT :id, :app, :msg, :ep, :status, :trigger, 0, :due, NULL, NULL, 0, :now, :now,
                       :delays, :timeoutMs
                WHERE EXISTS (SELECT 1 FROM endpoint WHERE id = :ep AND disabled = :no)
                  AND EXISTS (SELECT 1 FROM message WHERE id = :msg AND expunged_at IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM delivery WHERE message_id = :msg AND endpoint_id = :ep AND id > :seen)""");
        for (Again m : messages) {
            // Every delivery id sorts after '': "none seen" means "none at all".
            batch.bind("id", ids.next("dlv")).bind("app", appId).bind("msg", m.messageId()).bind("ep", target.endpointId())
                    .bind("status", target.status())
                    .bind("trigger", trigger).bind("due", m.dueAt()).bind("now", now)
                    .bind("delays", target.retryDelays()).bind("timeoutMs", target.timeoutMs()).bind("no", false)
                    .bind("seen", m.latestSeen() == null ? "" : m.latestSeen()).add();
        }
        int written = 0;
        for (int n : batch.execute()) {
            if (n < 0) {
                throw new IllegalStateException("the driver did not report which deliveries were written");
            }
            written += n;
        }
        return written;
    }

    /** Leases up to {@code limit} due deliveries to {@code node} until {@code leaseUntil}. */
    static List<Claim> claimDue(Handle h, Dialect dialect, String node, long now, long leaseUntil, int limit) {
        return h.createQuery("""
                UPDATE delivery SET locked_by = :node, locked_until = :until, version = version + 1, updated_at = :now
                WHERE id IN (
                    SELECT id FROM delivery
                    WHERE status = 'pending' AND next_attempt_at <= :now
                      AND (locked_until IS NULL OR locked_until < :now)
                    ORDER BY next_attempt_at
                    LIMIT :limit %s)
                RETURNING %s"""
                        .formatted(dialect.lockClause(), CLAIM_COLUMNS))
                .bind("node", node).bind("until", leaseUntil).bind("now", now).bind("limit", limit)
                .map(CLAIM).list();
    }

    /**
     * Records the end of an attempt on a leased row. Returns false when the lease was lost (the row
     * changed under us, e.g. another node claimed it after our lease expired, or it was deleted).
     */
    static boolean finish(Handle h, Claim c, String status, int attempts, Long nextAttemptAt, long now) {
        return Prepared.on(h, FINISH).set(status).set(attempts).set(nextAttemptAt).set(now).set(c.id()).set(c.version())
                .update() == 1;
    }

    /** Every attempt ends with it: a kept statement. */
    private static final String FINISH = """
            UPDATE delivery SET status = ?, attempts = ?, next_attempt_at = ?,
                   locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = ?
            WHERE id = ? AND version = ?""";

    /**
     * Records the ends of attempts, one per entry, in one batch; per entry, whether its lease still
     * held (see {@link #finish(Handle, Claim, String, int, Long, long)}). A driver that reports no
     * counts for a batch (negative) is taken to have updated the row.
     */
    static boolean[] finish(Handle h, List<OutcomeRecorder.Entry> entries) {
        // Rows are updated in id order, the order in which a transaction that changes many of them
        // at once takes them (Applications.delete): two such transactions cannot each hold a row
        // the other waits for (a deadlock on PostgreSQL, seen when an application was deleted
        // while its attempts were being recorded).
        Integer[] order = new Integer[entries.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> entries.get(i).claim().id()));
        Prepared batch = Prepared.on(h, FINISH);
        for (int i : order) {
            OutcomeRecorder.Entry e = entries.get(i);
            // A failed probe is recorded but not counted: the delivery keeps its attempts (see Breaker).
            int attempts = e.outcome().kind() == Outcome.Kind.HELD ? e.claim().attempts() : e.attempt().attemptNumber();
            batch.set(e.outcome().deliveryStatus()).set(attempts).set(e.outcome().nextMillis())
                    .set(e.finishedAt().toEpochMilli()).set(e.claim().id()).set(e.claim().version()).add();
        }
        int[] counts = batch.batch();
        boolean[] kept = new boolean[counts.length];
        for (int k = 0; k < counts.length; k++) {
            kept[order[k]] = counts[k] != 0;
        }
        return kept;
    }

    /** Gives a leased row back without an attempt, due at {@code dueAt}. */
    static boolean release(Handle h, Claim c, long dueAt, long now) {
        return h.createUpdate("""
                UPDATE delivery SET next_attempt_at = :due, locked_by = NULL, locked_until = NULL,
                       version = version + 1, updated_at = :now
                WHERE id = :id AND version = :version AND status = 'pending'""")
                .bind("due", dueAt).bind("now", now).bind("id", c.id()).bind("version", c.version())
                .execute() == 1;
    }

    /**
     * Gives leased rows back without an attempt, each due at its own instant, in one batch; returns
     * how many were still held. A row whose lease was lost is left alone, as {@link #release} does.
     */
    static int release(Handle h, List<Claim> claims, List<Long> dueAt, long now) {
        PreparedBatch batch = h.prepareBatch("""
                UPDATE delivery SET next_attempt_at = :due, locked_by = NULL, locked_until = NULL,
                       version = version + 1, updated_at = :now
                WHERE id = :id AND version = :version AND status = 'pending'""");
        for (int i = 0; i < claims.size(); i++) {
            Claim c = claims.get(i);
            batch.bind("due", dueAt.get(i)).bind("now", now).bind("id", c.id()).bind("version", c.version()).add();
        }
        int released = 0;
        for (int n : batch.execute()) {
            // A driver that rewrites the batch reports no counts (negative); the rows are released all the same.
            released += Math.max(n, 0);
        }
        return released;
    }

    /**
     * The rate limits of {@code endpointIds} and their applications, and the endpoints' caps on
     * attempts in flight, as {@link Pacer.Limits}; an
     * endpoint deleted meanwhile is missing.
     */
    static Map<String, Pacer.Limits> limits(Handle h, List<String> endpointIds) {
        Map<String, Pacer.Limits> limits = new HashMap<>();
        h.createQuery("""
                SELECT e.id, e.rate_limit, e.max_in_flight, a.id AS app_id, a.rate_limit AS app_rate_limit
                FROM endpoint e JOIN application a ON a.id = e.app_id
                WHERE e.id IN (<ids>)""")
                .bindList("ids", endpointIds)
                .map((rs, ctx) -> Map.entry(rs.getString("id"), new Pacer.Limits(Rows.intOrNull(rs, "rate_limit"),
                        rs.getString("app_id"), Rows.intOrNull(rs, "app_rate_limit"), Rows.intOrNull(rs, "max_in_flight"))))
                .forEach(e -> limits.put(e.getKey(), e.getValue()));
        return limits;
    }

    /** Drops every lease {@code node} holds, e.g. at shutdown. */
    static int releaseAll(Handle h, String node, long now) {
        return h.createUpdate("""
                UPDATE delivery SET locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = :now
                WHERE locked_by = :node AND status = 'pending'""")
                .bind("node", node).bind("now", now).execute();
    }

    /**
     * Drops every lease. Only safe where no other process can hold one: the embedded SQLite store,
     * at start, where any lease left is from a process that died.
     */
    static int releaseEveryLease(Handle h, long now) {
        return h.createUpdate("""
                UPDATE delivery SET locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = :now
                WHERE locked_by IS NOT NULL AND status = 'pending'""")
                .bind("now", now).execute();
    }
}
