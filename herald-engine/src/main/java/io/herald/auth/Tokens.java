package io.herald.auth;

import io.herald.Hashes;
import io.herald.store.Store;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * API tokens, stored as SHA-256 hashes. A token is 32 random bytes, so a fast hash is enough.
 * Admin tokens come from the environment or the first start and do not expire; application
 * tokens are issued through the API for one application, expire, and are revoked by deleting them.
 */
public final class Tokens {
    public static final String ADMIN = "admin";
    static final String APP = "app";
    /** Svix's bounds and default for an application token's lifetime. */
    public static final Duration APP_TOKEN_MIN = Duration.ofHours(1);
    public static final Duration APP_TOKEN_MAX = Duration.ofDays(7);
    public static final Duration APP_TOKEN_DEFAULT = APP_TOKEN_MAX;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * How long a token once found is believed without asking the database again. Every API call
     * checks its token, and the lookup was a tenth of the CPU a publish costs. A token revoked on
     * this node (logout, a new HERALD_ADMIN_TOKEN) is forgotten here at once; other nodes notice
     * within this time. Expiry is checked on every call, remembered or not. Unknown tokens are
     * never remembered.
     */
    static final Duration REMEMBER = Duration.ofSeconds(5);
    private static final int REMEMBER_MAX = 1_024;

    private final Store store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    /**
     * Counts forgettings (revoke, expire-all, a new admin token). A lookup that read the database
     * before a revocation committed must not remember what it read after it: it checks this count
     * after remembering, and a forgetting bumps it before it removes.
     */
    private final java.util.concurrent.atomic.AtomicLong forgettings = new java.util.concurrent.atomic.AtomicLong();

    /** A stored token as last read: {@code expiresAt} is Long.MAX_VALUE for none. */
    private record Known(Principal principal, long expiresAt, long until) {}

    /** A newly issued token: the secret itself, shown once, and what it grants. */
    public record Issued(String token, Principal principal, Instant expiresAt) {}

    public Tokens(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static String hash(String token) {
        return Hashes.sha256Hex(token);
    }

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "hrld_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * Who {@code token} speaks for, or empty when it is not a token of this server, has expired,
     * or names a role this version does not know (a careful server grants nothing then).
     */
    public Optional<Principal> find(String token) {
        String h = hash(token);
        long now = clock.millis();
        Known k = known.get(h);
        if (k == null || now >= k.until()) {
            long seen = forgettings.get();
            k = load(h, now);
            if (k == null) {
                known.remove(h);
                return Optional.empty();
            }
            if (known.size() >= REMEMBER_MAX) {
                known.clear();
            }
            known.put(h, k);
            if (forgettings.get() != seen) {
                known.remove(h); // a revocation raced this lookup: read again next time
            }
        }
        return now < k.expiresAt() ? Optional.of(k.principal()) : Optional.empty();
    }

    private record Row(String role, String appId, boolean readOnly, Long expiresAt) {}

    private Known load(String h, long now) {
        Optional<Row> row = store.read(handle -> handle.createQuery("""
                        SELECT role, app_id, read_only, expires_at FROM api_token WHERE token_hash = :h""")
                .bind("h", h)
                .map((rs, ctx) -> {
                    long expires = rs.getLong("expires_at");
                    Long expiresAt = rs.wasNull() ? null : expires;
                    return new Row(rs.getString("role"), rs.getString("app_id"), rs.getBoolean("read_only"), expiresAt);
                })
                .findOne());
        if (row.isEmpty()) {
            return null;
        }
        Row r = row.get();
        Principal p;
        if (ADMIN.equals(r.role()) && r.appId() == null) {
            p = new Principal(Principal.Role.ADMIN, null, false, h);
        } else if (APP.equals(r.role()) && r.appId() != null) {
            p = new Principal(Principal.Role.APP, r.appId(), r.readOnly(), h);
        } else {
            return null;
        }
        return new Known(p, r.expiresAt() == null ? Long.MAX_VALUE : r.expiresAt(), now + REMEMBER.toMillis());
    }

    public boolean hasAdmin() {
        return store.read(h -> h.createQuery("SELECT COUNT(*) FROM api_token WHERE role = :r")
                .bind("r", ADMIN).mapTo(Integer.class).one() > 0);
    }

    /** Where a token came from. */
    public enum Origin {
        /** HERALD_ADMIN_TOKEN: there is at most one, the latest value of the variable. */
        ENV,
        /** Made on a first start without HERALD_ADMIN_TOKEN and printed once. */
        GENERATED,
        /** Issued through the API for one application; it expires. */
        ISSUED;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Stores the hash of {@code token} with {@code role}; storing it twice is harmless. */
    public void add(String token, String role, Origin origin) {
        String h = hash(token);
        store.inTransaction(handle -> {
            insertIfAbsent(handle, h, role, origin);
            return null;
        });
    }

    /**
     * Makes {@code token} the admin token given by the environment. The one given before, if it
     * differs, stops working: changing HERALD_ADMIN_TOKEN revokes the old value.
     */
    public void replaceEnvAdmin(String token) {
        String h = hash(token);
        known.clear();
        store.inTransaction(handle -> {
            handle.createUpdate("DELETE FROM api_token WHERE origin = :env AND token_hash <> :h")
                    .bind("env", Origin.ENV.column()).bind("h", h).execute();
            insertIfAbsent(handle, h, ADMIN, Origin.ENV);
            return null;
        });
        // Again after the commit: a lookup between the first clear and the commit remembered the old value.
        forgettings.incrementAndGet();
        known.clear();
    }

    /**
     * A new token for the application whose id is {@code appId}, valid for {@code lifetime}.
     * The caller has checked that the application exists and the lifetime is within bounds.
     * Tokens that have expired are deleted on the way, so that they do not pile up.
     */
    public Issued issueForApp(String appId, boolean readOnly, Duration lifetime) {
        String token = generate();
        String h = hash(token);
        long now = clock.millis();
        long expires = now + lifetime.toMillis();
        store.inTransaction(handle -> {
            handle.createUpdate("DELETE FROM api_token WHERE expires_at <= :now").bind("now", now).execute();
            handle.createUpdate("""
                    INSERT INTO api_token (token_hash, role, app_id, origin, created_at, expires_at, read_only)
                    VALUES (:h, :r, :app, :origin, :now, :expires, :readOnly)""")
                    .bind("h", h).bind("r", APP).bind("app", appId).bind("origin", Origin.ISSUED.column())
                    .bind("now", now).bind("expires", expires).bind("readOnly", readOnly).execute();
            return null;
        });
        return new Issued(token, new Principal(Principal.Role.APP, appId, readOnly, h), Instant.ofEpochMilli(expires));
    }

    /**
     * Revokes the token behind {@code principal}: at once on this node, within {@link #REMEMBER}
     * on others. Revoking a token already gone is harmless.
     */
    public void revoke(Principal principal) {
        String h = principal.tokenHash();
        known.remove(h);
        store.inTransaction(handle -> handle.createUpdate("DELETE FROM api_token WHERE token_hash = :h").bind("h", h).execute());
        // Again after the commit: a lookup meanwhile may have remembered it.
        forgettings.incrementAndGet();
        known.remove(h);
    }

    /**
     * Svix's expire-all: every token of application {@code appId} stops working {@code after} from
     * now (at once for zero), or when it would have expired anyway if that is sooner. Takes effect
     * on this node at once and within {@link #REMEMBER} on others. Returns how many tokens it cut.
     */
    public int expireAll(String appId, Duration after) {
        long until = clock.millis() + after.toMillis();
        known.clear();
        int n = store.inTransaction(handle -> handle.createUpdate("""
                UPDATE api_token SET expires_at = :until WHERE app_id = :app AND expires_at > :until""")
                .bind("until", until).bind("app", appId).execute());
        // Again after the commit: a lookup meanwhile may have remembered a token with its old expiry.
        forgettings.incrementAndGet();
        known.clear();
        return n;
    }

    private void insertIfAbsent(Handle handle, String h, String role, Origin origin) {
        boolean exists = handle.createQuery("SELECT 1 FROM api_token WHERE token_hash = :h").bind("h", h)
                .mapTo(Integer.class).findOne().isPresent();
        if (!exists) {
            handle.createUpdate("""
                    INSERT INTO api_token (token_hash, role, origin, created_at) VALUES (:h, :r, :origin, :now)""")
                    .bind("h", h).bind("r", role).bind("origin", origin.column()).bind("now", clock.millis()).execute();
        }
    }
}
