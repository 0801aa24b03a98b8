package io.herald.audit;

import io.herald.Json;
import io.herald.store.BatchedPurge;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Periodic;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.core.type.TypeReference;

/**
 * The audit log: changes made through the management API (see {@link AuditEntry}). The API
 * appends a row once a change has been committed and before it answers; rows older than the
 * retention are purged in the background, like expired idempotency keys.
 */
public final class AuditLog implements AutoCloseable {
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(365);
    public static final Duration MIN_RETENTION = Duration.ofDays(1);
    public static final Duration MAX_RETENTION = Duration.ofDays(3650);
    /** How often rows past the retention are deleted. */
    public static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);
    /** Rows one purge transaction deletes, so that it never holds SQLite's writer for long. */
    static final int PURGE_BATCH = BatchedPurge.DEFAULT_BATCH;
    private static final TypeReference<Map<String, String>> IDS = new TypeReference<>() {};
    private static final TypeReference<List<String>> NAMES = new TypeReference<>() {};

    private final Store store;
    private final Ids ids;
    private final Clock clock;
    private final Duration retention;
    private final Periodic purgeSchedule;
    private final BatchedPurge purge;

    public AuditLog(Store store, Ids ids, Clock clock, Duration retention) {
        if (retention.compareTo(MIN_RETENTION) < 0 || retention.compareTo(MAX_RETENTION) > 0) {
            throw new IllegalArgumentException("audit retention must be from " + MIN_RETENTION + " to " + MAX_RETENTION);
        }
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.retention = retention;
        this.purgeSchedule = new Periodic("audit-purge", this::purgeExpired, PURGE_INTERVAL);
        this.purge = new BatchedPurge(store, PURGE_BATCH, BatchedPurge.DEFAULT_PAUSE);
    }

    /** Starts deleting rows past the retention every {@link #PURGE_INTERVAL}. */
    public void start() {
        purgeSchedule.start();
    }

    /** Appends {@code change} in a transaction of its own; returns the row as stored. */
    public AuditEntry append(AuditEntry.Change change) {
        AuditEntry e = new AuditEntry(ids.next("audit"), clock.instant(), change);
        store.inTransaction(h -> h.createUpdate("""
                        INSERT INTO audit_log (id, created_at, token_id, token_role, token_app_id, method, route, status,
                                               app_id, resource_ids, resource_id, fields, remote_addr)
                        VALUES (:id, :at, :tokenId, :tokenRole, :tokenAppId, :method, :route, :status,
                                :appId, :resourceIds, :resourceId, :fields, :remoteAddr)""")
                .bind("id", e.id()).bind("at", e.at().toEpochMilli())
                .bind("tokenId", change.tokenId()).bind("tokenRole", change.tokenRole()).bind("tokenAppId", change.tokenAppId())
                .bind("method", change.method()).bind("route", change.route()).bind("status", change.status())
                .bind("appId", change.appId()).bind("resourceIds", Json.write(change.resourceIds()))
                .bind("resourceId", change.resourceId()).bind("fields", Json.write(change.fields()))
                .bind("remoteAddr", change.remoteAddr())
                .execute());
        return e;
    }

    /** Newest first unless the page asks otherwise. */
    public Page<AuditEntry> list(AuditQuery q, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE 1 = 1");
        if (q.before() != null) {
            sql.append(" AND created_at < :before");
        }
        if (q.after() != null) {
            sql.append(" AND created_at > :after");
        }
        if (q.tokenId() != null) {
            sql.append(" AND token_id = :tokenId");
        }
        if (q.appId() != null) {
            sql.append(" AND app_id = :appId");
        }
        if (q.route() != null) {
            sql.append(" AND route = :route");
        }
        if (q.method() != null) {
            sql.append(" AND method = :method");
        }
        return store.read(h -> Pager.page(h, sql.toString(), page, query -> bind(query, q), (rs, ctx) -> entry(rs), AuditEntry::id));
    }

    private static void bind(Query query, AuditQuery q) {
        if (q.before() != null) {
            query.bind("before", q.before().toEpochMilli());
        }
        if (q.after() != null) {
            query.bind("after", q.after().toEpochMilli());
        }
        if (q.tokenId() != null) {
            query.bind("tokenId", q.tokenId());
        }
        if (q.appId() != null) {
            query.bind("appId", q.appId());
        }
        if (q.route() != null) {
            query.bind("route", q.route());
        }
        if (q.method() != null) {
            query.bind("method", q.method());
        }
    }

    private static AuditEntry entry(ResultSet rs) throws SQLException {
        return new AuditEntry(rs.getString("id"), Rows.instant(rs, "created_at"), new AuditEntry.Change(
                rs.getString("token_id"), rs.getString("token_role"), rs.getString("token_app_id"), rs.getString("method"),
                rs.getString("route"), rs.getInt("status"), rs.getString("app_id"),
                Json.MAPPER.readValue(rs.getString("resource_ids"), IDS), rs.getString("resource_id"),
                Json.MAPPER.readValue(rs.getString("fields"), NAMES), rs.getString("remote_addr")));
    }

    /**
     * Deletes every row older than the retention at the clock's time, {@link #PURGE_BATCH} rows per
     * transaction; returns how many. The background schedule calls it; tests call it after moving
     * the clock.
     */
    public int purgeExpired() {
        long cut = clock.millis() - retention.toMillis();
        return purge.run((h, limit) -> h.createUpdate("""
                        DELETE FROM audit_log WHERE id IN (
                            SELECT id FROM audit_log WHERE created_at < :cut LIMIT :limit)""")
                .bind("cut", cut).bind("limit", limit).execute());
    }

    /** Stops the purge schedule. */
    @Override
    public void close() {
        purgeSchedule.close();
    }
}
