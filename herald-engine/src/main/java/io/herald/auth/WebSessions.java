package io.herald.auth;

import io.herald.Hashes;
import io.herald.store.Store;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Sessions of the web console and portal. A session is a random secret (the cookie value) whose
 * SHA-256 is stored with the id of the API token it was opened with; it <em>is</em> that token's
 * principal while both live: revoking the token, expiring it or changing HERALD_ADMIN_TOKEN ends
 * its sessions with nothing else to delete. The token is looked up through
 * {@link Tokens#findById}, so a revocation on another node reaches a session here within
 * {@link Tokens#REMEMBER}; the session row itself is read on every lookup, so a sign-out on any
 * node is seen at once.
 */
public final class WebSessions {
    /**
     * What a session is for; it must match the path it is used on. An {@code ENTRY} is not a
     * session but the single-use code of a portal link: {@link #redeem} turns it into a
     * {@code PORTAL} session.
     */
    public enum Kind {
        CONSOLE, PORTAL, ENTRY;

        String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How long a console session lasts, whatever happens meanwhile. */
    public static final Duration CONSOLE_LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final Tokens tokens;
    private final Clock clock;

    /** A session just opened: {@code secret} goes into the cookie and is never stored. */
    public record Opened(String secret, Principal principal, long expiresAt) {}

    public WebSessions(Store store, Tokens tokens, Clock clock) {
        this.store = store;
        this.tokens = tokens;
        this.clock = clock;
    }

    /**
     * A new session of {@code kind} for {@code principal}, lasting {@code lifetime}. Every call
     * makes a new secret, so a sign-in never keeps a session id someone else chose. Expired
     * sessions are deleted on the way, as expired tokens are when one is issued.
     */
    public Opened open(Kind kind, Principal principal, Duration lifetime) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        long now = clock.millis();
        long expires = now + lifetime.toMillis();
        store.inTransaction(h -> {
            h.createUpdate("DELETE FROM web_session WHERE expires_at <= :now").bind("now", now).execute();
            h.createUpdate("""
                    INSERT INTO web_session (id_hash, kind, token_id, app_id, created_at, expires_at)
                    VALUES (:h, :kind, :token, :app, :now, :expires)""")
                    .bind("h", Hashes.sha256Hex(secret)).bind("kind", kind.column()).bind("token", principal.tokenId())
                    .bind("app", principal.appId()).bind("now", now).bind("expires", expires).execute();
            return null;
        });
        return new Opened(secret, principal, expires);
    }

    /**
     * Who the session {@code secret} speaks for: empty when it is unknown, of another kind, has
     * expired, or its token no longer works (revoked, expired, or now of another application).
     */
    public Optional<Principal> find(Kind kind, String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        record Row(String tokenId, String appId) {}
        Optional<Row> row = store.read(h -> h.createQuery("""
                        SELECT token_id, app_id FROM web_session WHERE id_hash = :h AND kind = :kind AND expires_at > :now""")
                .bind("h", Hashes.sha256Hex(secret)).bind("kind", kind.column()).bind("now", now)
                .map((rs, ctx) -> new Row(rs.getString("token_id"), rs.getString("app_id"))).findOne());
        return row.flatMap(r -> tokens.findById(r.tokenId())
                .filter(p -> Objects.equals(p.appId(), r.appId())));
    }

    /**
     * Spends the portal link code {@code code} (an {@link Kind#ENTRY} opened with the link) and
     * opens a {@link Kind#PORTAL} session for the same token, lasting as long as the code would
     * have. Empty when the code is unknown, spent, expired, or its token no longer works. A code
     * is spent exactly once: of two redemptions at once, one wins.
     */
    public Optional<Opened> redeem(String code) {
        if (code == null || code.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        String hash = Hashes.sha256Hex(code);
        record Row(String tokenId, String appId, long expiresAt) {}
        Optional<Row> row = store.inTransaction(h -> {
            Optional<Row> found = h.createQuery("""
                            SELECT token_id, app_id, expires_at FROM web_session
                            WHERE id_hash = :h AND kind = 'entry' AND expires_at > :now""")
                    .bind("h", hash).bind("now", now)
                    .map((rs, ctx) -> new Row(rs.getString("token_id"), rs.getString("app_id"), rs.getLong("expires_at")))
                    .findOne();
            // There is a race: another node may redeem the same code between the read and this
            // delete. The delete decides: only the redemption whose delete removed the row goes
            // on (on PostgreSQL the second delete waits for the first to commit, then finds none).
            if (found.isEmpty() || h.createUpdate("DELETE FROM web_session WHERE id_hash = :h AND kind = 'entry'")
                    .bind("h", hash).execute() != 1) {
                return Optional.<Row>empty();
            }
            return found;
        });
        return row.flatMap(r -> tokens.findById(r.tokenId())
                .filter(p -> Objects.equals(p.appId(), r.appId()))
                .map(p -> open(Kind.PORTAL, p, Duration.ofMillis(r.expiresAt() - now))));
    }

    /** Ends the session {@code secret}; ending one already gone is harmless. */
    public void close(String secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        store.inTransaction(h -> h.createUpdate("DELETE FROM web_session WHERE id_hash = :h")
                .bind("h", Hashes.sha256Hex(secret)).execute());
    }

    /** Deletes expired sessions; returns how many. */
    public int purgeExpired() {
        long now = clock.millis();
        return store.inTransaction(h -> h.createUpdate("DELETE FROM web_session WHERE expires_at <= :now")
                .bind("now", now).execute());
    }
}
