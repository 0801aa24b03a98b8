package io.herald.idempotency;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The SQL of the {@code idempotency_key} table. Every statement is one row, found by its key. */
final class KeyRows {
    private KeyRows() {}

    /** One key as stored; {@code response} is null while its request runs. */
    record Row(String route, String bodyHash, String claim, long lockedUntil, IdempotencyKeys.Response response,
               long expiresAt, String resourceId) {}

    /**
     * Claims a key nobody holds. The primary key decides between racing requests: on PostgreSQL
     * the second INSERT waits for the first transaction and then does nothing; on SQLite the one
     * writer runs them one after the other. No error either way, so a transaction shared by
     * {@code GroupCommit} is never spoilt by a lost race.
     */
    static boolean insert(Handle h, KeyId id, String route, String bodyHash, String claim, long lockedUntil,
                          long expiresAt, String reserved) {
        return h.createUpdate("""
                        INSERT INTO idempotency_key
                            (credential_hash, idem_key, route, body_hash, claim, locked_until, expires_at, resource_id)
                        VALUES (:cred, :key, :route, :bodyHash, :claim, :lockedUntil, :expiresAt, :reserved)
                        ON CONFLICT (credential_hash, idem_key) DO NOTHING""")
                .bind("cred", id.credentialHash()).bind("key", id.key()).bind("route", route)
                .bind("bodyHash", bodyHash).bind("claim", claim).bind("lockedUntil", lockedUntil)
                .bind("expiresAt", expiresAt).bind("reserved", reserved)
                .execute() == 1;
    }

    static Optional<Row> find(Handle h, KeyId id) {
        return h.createQuery("""
                        SELECT route, body_hash, claim, locked_until, status, content_type, body, expires_at, resource_id
                        FROM idempotency_key WHERE credential_hash = :cred AND idem_key = :key""")
                .bind("cred", id.credentialHash()).bind("key", id.key())
                .map((rs, ctx) -> {
                    int status = rs.getInt("status");
                    IdempotencyKeys.Response response = rs.wasNull() ? null
                            : new IdempotencyKeys.Response(status, rs.getString("content_type"), rs.getString("body"));
                    return new Row(rs.getString("route"), rs.getString("body_hash"), rs.getString("claim"),
                            rs.getLong("locked_until"), response, rs.getLong("expires_at"), rs.getString("resource_id"));
                })
                .findOne();
    }

    /**
     * Takes over a key whose run was abandoned or whose response expired, for a new run. Guarded
     * by the claim that was read: of two requests taking over the same row, one wins (on
     * PostgreSQL the second UPDATE waits for the first and then finds the claim changed).
     */
    static boolean takeOver(Handle h, KeyId id, String seenClaim, String route, String bodyHash, String claim,
                            long lockedUntil, long expiresAt, String reserved) {
        return h.createUpdate("""
                        UPDATE idempotency_key
                        SET route = :route, body_hash = :bodyHash, claim = :claim, locked_until = :lockedUntil,
                            status = NULL, content_type = NULL, body = NULL, expires_at = :expiresAt,
                            resource_id = :reserved
                        WHERE credential_hash = :cred AND idem_key = :key AND claim = :seen""")
                .bind("cred", id.credentialHash()).bind("key", id.key()).bind("seen", seenClaim)
                .bind("route", route).bind("bodyHash", bodyHash).bind("claim", claim)
                .bind("lockedUntil", lockedUntil).bind("expiresAt", expiresAt).bind("reserved", reserved)
                .execute() == 1;
    }

    /**
     * Lets the next request with the key take it over at once, keeping what it reserved: the run
     * holding {@code claim} ended without knowing whether its work was written.
     */
    static void unlock(Handle h, KeyId id, String claim) {
        h.createUpdate("UPDATE idempotency_key SET locked_until = 0 WHERE credential_hash = :cred AND idem_key = :key "
                        + "AND claim = :claim AND status IS NULL")
                .bind("cred", id.credentialHash()).bind("key", id.key()).bind("claim", claim)
                .execute();
    }

    /** Stores the response of the run holding {@code claim}; false when that run lost the key meanwhile. */
    static boolean complete(Handle h, KeyId id, String claim, IdempotencyKeys.Response response, long expiresAt) {
        return h.createUpdate("""
                        UPDATE idempotency_key
                        SET status = :status, content_type = :contentType, body = :body, resource_id = :resource,
                            expires_at = :expiresAt
                        WHERE credential_hash = :cred AND idem_key = :key AND claim = :claim""")
                .bind("cred", id.credentialHash()).bind("key", id.key()).bind("claim", claim)
                .bind("status", response.status()).bind("contentType", response.contentType())
                .bind("body", response.body()).bind("resource", response.resourceId()).bind("expiresAt", expiresAt)
                .execute() == 1;
    }

    static int replaceBodies(Handle h, String resourceId, String body) {
        return h.createUpdate("UPDATE idempotency_key SET body = :body WHERE resource_id = :resource AND status IS NOT NULL")
                .bind("body", body).bind("resource", resourceId).execute();
    }

    /** Gives the key up, so the next request with it runs. Only the run holding {@code claim} may. */
    static void release(Handle h, KeyId id, String claim) {
        h.createUpdate("DELETE FROM idempotency_key WHERE credential_hash = :cred AND idem_key = :key AND claim = :claim")
                .bind("cred", id.credentialHash()).bind("key", id.key()).bind("claim", claim)
                .execute();
    }

    /**
     * Deletes up to {@code limit} keys expired at {@code now}; returns how many. A run still going
     * keeps its row: its expiry lies 12 hours after its claim.
     */
    static int purge(Handle h, long now, int limit) {
        // Row values in IN: SQLite 3.15+ and PostgreSQL both take them; neither has DELETE … LIMIT
        // in a form the other shares.
        return h.createUpdate("""
                        DELETE FROM idempotency_key WHERE (credential_hash, idem_key) IN (
                            SELECT credential_hash, idem_key FROM idempotency_key
                            WHERE expires_at <= :now LIMIT :limit)""")
                .bind("now", now).bind("limit", limit)
                .execute();
    }
}
