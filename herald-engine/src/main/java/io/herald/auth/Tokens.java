package io.herald.auth;

import io.herald.Hashes;
import io.herald.HeraldException;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Periodic;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API tokens, stored as SHA-256 hashes. A token is 32 random bytes, so a fast hash is enough.
 * Each has a role: {@code admin}, {@code viewer} (reads everything but credentials), or
 * {@code app} (one application). The bootstrap admin token comes from the environment or the first
 * start and does not expire; tokens issued through the API (the token API, app-portal-access) may
 * expire, and are revoked by deleting them.
 */
public final class Tokens implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tokens.class);
    public static final String ADMIN = "admin";
    static final String VIEWER = "viewer";
    static final String APP = "app";
    /** Svix's bounds and default for an application token's lifetime (app-portal-access). */
    public static final Duration APP_TOKEN_MIN = Duration.ofHours(1);
    public static final Duration APP_TOKEN_MAX = Duration.ofDays(7);
    public static final Duration APP_TOKEN_DEFAULT = APP_TOKEN_MAX;
    /** Bounds of a lifetime given to the token API; without one, its tokens do not expire. */
    public static final Duration LIFETIME_MIN = Duration.ofMinutes(1);
    public static final Duration LIFETIME_MAX = Duration.ofDays(365);
    public static final int MAX_DESCRIPTION = 256;
    /**
     * Characters of a generated token kept in clear so that people can tell tokens apart:
     * {@code hrld_} and 7 of its 43 random characters (42 of 256 bits). Tokens Herald did not
     * generate (HERALD_ADMIN_TOKEN, chosen by a person and perhaps short) keep none.
     */
    static final int PREFIX_LENGTH = 12;
    private static final String GENERATED_PREFIX = "hrld_";
    /**
     * At most once per this time and token, a node notes that the token was used; the notes are
     * written in one batch on a background thread every this time. So a call costs no write, and
     * {@code lastUsedAt} is late by up to twice this.
     */
    public static final Duration LAST_USED_EVERY = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * How long a token once found is believed without asking the database again. Every API call
     * checks its token, and the lookup was a tenth of the CPU a publish costs. A token revoked on
     * this node (logout, DELETE /api/v1/token/…, a new HERALD_ADMIN_TOKEN) is forgotten here at
     * once; other nodes notice within this time. Expiry is checked on every call, remembered or
     * not. Unknown tokens are never remembered.
     */
    static final Duration REMEMBER = Duration.ofSeconds(5);
    private static final int REMEMBER_MAX = 1_024;

    private final Store store;
    private final Ids ids;
    private final Clock clock;
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    /**
     * Counts forgettings (revoke, expire-all, a new admin token). A lookup that read the database
     * before a revocation committed must not remember what it read after it: it checks this count
     * after remembering, and a forgetting bumps it before it removes.
     */
    private final AtomicLong forgettings = new AtomicLong();
    /** Per token hash: when this node last noted a use (epoch ms). */
    private final ConcurrentHashMap<String, Long> noted = new ConcurrentHashMap<>();
    /** Per token hash: the use noted and not yet written. */
    private final ConcurrentHashMap<String, Long> unwritten = new ConcurrentHashMap<>();
    private final Periodic lastUsedWriter;

    /** A stored token as last read: {@code expiresAt} is Long.MAX_VALUE for none. */
    private record Known(Principal principal, long expiresAt, long until) {}

    /** A newly issued token: the secret itself, shown once, and what it grants. */
    public record Issued(String token, Principal principal, Instant expiresAt) {}

    /** A token as the token API shows it: never the token, nor its hash. {@code role} as stored. */
    public record Token(String id, String prefix, String role, String appId, boolean readOnly, Origin origin,
                        String description, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {}

    /** A token made through the token API: the token itself, shown once, and its record. */
    public record Created(String token, Token record) {}

    /**
     * What the token API asks for. {@code appId} is an application's id (checked to exist by the
     * caller) for role APP, null otherwise; {@code lifetime} null means it does not expire.
     */
    public record Spec(Principal.Role role, String appId, boolean readOnly, Duration lifetime, String description) {
        public Spec {
            if ((role == Principal.Role.APP) != (appId != null)) {
                throw new IllegalArgumentException("an application token names its application, and only it does");
            }
        }
    }

    public Tokens(Store store, Ids ids, Clock clock) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.lastUsedWriter = new Periodic("token-last-used", this::writeLastUsed, LAST_USED_EVERY);
    }

    /** Starts writing when tokens were last used, every {@link #LAST_USED_EVERY}. */
    public void start() {
        lastUsedWriter.start();
    }

    public static String hash(String token) {
        return Hashes.sha256Hex(token);
    }

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return GENERATED_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** What of {@code token} may be kept in clear: see {@link #PREFIX_LENGTH}. */
    private static String prefixOf(String token) {
        return token.startsWith(GENERATED_PREFIX) && token.length() == GENERATED_PREFIX.length() + 43
                ? token.substring(0, PREFIX_LENGTH) : null;
    }

    /**
     * Who {@code token} speaks for, or empty when it is not a token of this server, has expired,
     * or names a role this version does not know (a careful server grants nothing then).
     */
    public Optional<Principal> find(String token) {
        String h = hash(token);
        Optional<Principal> p = lookUp(h, "token_hash", h);
        p.ifPresent(found -> noteUse(h, clock.millis()));
        return p;
    }

    /**
     * Who the token whose id is {@code id} speaks for (a web session's parent token), on the same
     * terms as {@link #find}: remembered as long, empty when unknown, expired or of an unknown role.
     * It does not count as a use of the token.
     */
    public Optional<Principal> findById(String id) {
        return lookUp(ID_KEY + id, "id", id);
    }

    /** Keys of {@link #known} for lookups by id; hashes are hex, so they never start so. */
    private static final String ID_KEY = "id:";

    private Optional<Principal> lookUp(String key, String column, String value) {
        long now = clock.millis();
        Known k = known.get(key);
        if (k == null || now >= k.until()) {
            long seen = forgettings.get();
            k = load(column, value, now);
            if (k == null) {
                known.remove(key);
                return Optional.empty();
            }
            if (known.size() >= REMEMBER_MAX) {
                known.clear();
            }
            known.put(key, k);
            if (forgettings.get() != seen) {
                known.remove(key); // a revocation raced this lookup: read again next time
            }
        }
        if (now >= k.expiresAt()) {
            return Optional.empty();
        }
        return Optional.of(k.principal());
    }

    private void noteUse(String h, long now) {
        Long last = noted.get(h);
        if (last == null || now - last >= LAST_USED_EVERY.toMillis()) {
            if (noted.size() >= 16 * REMEMBER_MAX) {
                noted.clear(); // at worst a few writes more
            }
            noted.put(h, now);
            unwritten.merge(h, now, Math::max);
        }
    }

    /**
     * Writes the uses noted since the last call, in one transaction; returns how many tokens it
     * touched. The background schedule calls it, and {@link #close}; tests call it directly. A
     * token deleted meanwhile is skipped; a later use never goes back in time.
     */
    public int writeLastUsed() {
        if (unwritten.isEmpty()) {
            return 0;
        }
        Map<String, Long> batch = new HashMap<>();
        for (String h : unwritten.keySet()) {
            Long t = unwritten.remove(h);
            if (t != null) {
                batch.put(h, t);
            }
        }
        if (batch.isEmpty()) {
            return 0; // another run took them
        }
        try {
            store.inTransaction(handle -> {
                PreparedBatch b = handle.prepareBatch("""
                        UPDATE api_token SET last_used_at = :t
                        WHERE token_hash = :h AND (last_used_at IS NULL OR last_used_at < :t)""");
                batch.forEach((h, t) -> b.bind("h", h).bind("t", t).add());
                return b.execute();
            });
        } catch (RuntimeException e) {
            batch.forEach((h, t) -> unwritten.merge(h, t, Math::max)); // the next run tries again
            throw e;
        }
        return batch.size();
    }

    private record Row(String hash, String id, String role, String appId, boolean readOnly, Long expiresAt) {}

    /** {@code column} is {@code token_hash} or {@code id}, both unique. */
    private Known load(String column, String value, long now) {
        Optional<Row> row = store.read(handle -> handle.createQuery(
                        "SELECT token_hash, id, role, app_id, read_only, expires_at FROM api_token WHERE " + column + " = :v")
                .bind("v", value)
                .map((rs, ctx) -> {
                    long expires = rs.getLong("expires_at");
                    Long expiresAt = rs.wasNull() ? null : expires;
                    return new Row(rs.getString("token_hash"), rs.getString("id"), rs.getString("role"), rs.getString("app_id"),
                            rs.getBoolean("read_only"), expiresAt);
                })
                .findOne());
        if (row.isEmpty()) {
            return null;
        }
        Row r = row.get();
        String h = r.hash();
        // A row written by a node of an older version, during a rolling upgrade, has no id yet.
        String id = r.id() != null ? r.id() : legacyId(h);
        Principal p;
        if (ADMIN.equals(r.role()) && r.appId() == null) {
            p = new Principal(Principal.Role.ADMIN, null, false, h, id);
        } else if (VIEWER.equals(r.role()) && r.appId() == null) {
            p = new Principal(Principal.Role.VIEWER, null, true, h, id);
        } else if (APP.equals(r.role()) && r.appId() != null) {
            p = new Principal(Principal.Role.APP, r.appId(), r.readOnly(), h, id);
        } else {
            return null;
        }
        return new Known(p, r.expiresAt() == null ? Long.MAX_VALUE : r.expiresAt(), now + REMEMBER.toMillis());
    }

    /** The id migration V16 gave the tokens stored before it. */
    private static String legacyId(String hash) {
        return "tok_" + hash.substring(0, 22);
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
        /** Issued by app-portal-access for one application; it expires. */
        ISSUED,
        /** Made through the token API. */
        API,
        /** Stored before origins were recorded. */
        UNKNOWN;

        public String column() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Origin of(String column) {
            for (Origin o : values()) {
                if (o.column().equals(column)) {
                    return o;
                }
            }
            return UNKNOWN;
        }
    }

    /** Stores the hash of {@code token} with {@code role}; storing it twice is harmless. */
    public void add(String token, String role, Origin origin) {
        store.inTransaction(handle -> {
            insertIfAbsent(handle, token, role, origin);
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
            insertIfAbsent(handle, token, ADMIN, Origin.ENV);
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
        Created c = insert(new Spec(Principal.Role.APP, appId, readOnly, lifetime, null), Origin.ISSUED);
        return new Issued(c.token(), new Principal(Principal.Role.APP, appId, readOnly, hash(c.token()), c.record().id()),
                c.record().expiresAt());
    }

    /**
     * A new token as {@code spec} says (the token API). The caller has checked that the
     * application exists and the lifetime and description are within bounds. Tokens that have
     * expired are deleted on the way.
     */
    public Created create(Spec spec) {
        return insert(spec, Origin.API);
    }

    private Created insert(Spec spec, Origin origin) {
        String token = generate();
        String h = hash(token);
        String id = ids.next("tok");
        long now = clock.millis();
        Long expires = spec.lifetime() == null ? null : now + spec.lifetime().toMillis();
        boolean readOnly = spec.readOnly() || spec.role() == Principal.Role.VIEWER;
        store.inTransaction(handle -> {
            handle.createUpdate("DELETE FROM api_token WHERE expires_at <= :now").bind("now", now).execute();
            handle.createUpdate("""
                    INSERT INTO api_token (token_hash, id, prefix, role, app_id, origin, description, created_at, expires_at, read_only)
                    VALUES (:h, :id, :prefix, :r, :app, :origin, :description, :now, :expires, :readOnly)""")
                    .bind("h", h).bind("id", id).bind("prefix", prefixOf(token)).bind("r", spec.role().wire())
                    .bind("app", spec.appId()).bind("origin", origin.column()).bind("description", spec.description())
                    .bind("now", now).bind("expires", expires).bind("readOnly", readOnly).execute();
            return null;
        });
        Token record = new Token(id, prefixOf(token), spec.role().wire(), spec.appId(), readOnly, origin, spec.description(),
                Instant.ofEpochMilli(now), null, expires == null ? null : Instant.ofEpochMilli(expires));
        return new Created(token, record);
    }

    private static final String TOKEN_COLUMNS = """
            id, prefix, role, app_id, read_only, origin, description, created_at, last_used_at, expires_at""";

    private static Token token(ResultSet rs) throws SQLException {
        return new Token(rs.getString("id"), rs.getString("prefix"), rs.getString("role"), rs.getString("app_id"),
                rs.getBoolean("read_only"), Origin.of(rs.getString("origin")), rs.getString("description"),
                Rows.instant(rs, "created_at"), Rows.instantOrNull(rs, "last_used_at"), Rows.instantOrNull(rs, "expires_at"));
    }

    /**
     * Every stored token, of application {@code appId} only when it is not null, newest first
     * unless the page asks otherwise. Expired tokens show until the next token is issued.
     */
    public Page<Token> list(String appId, PageRequest page) {
        String select = "SELECT " + TOKEN_COLUMNS + " FROM api_token WHERE id IS NOT NULL"
                + (appId == null ? "" : " AND app_id = :app");
        return store.read(h -> Pager.page(h, select, page, q -> {
            if (appId != null) {
                q.bind("app", appId);
            }
        }, (rs, ctx) -> token(rs), Token::id));
    }

    public Token get(String id) {
        return store.read(h -> h.createQuery("SELECT " + TOKEN_COLUMNS + " FROM api_token WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> token(rs)).findOne())
                .orElseThrow(() -> new HeraldException.NotFound("token", id));
    }

    /**
     * Revokes the token whose id is {@code id}: at once on this node, within {@link #REMEMBER} on
     * others. The HERALD_ADMIN_TOKEN one is refused: it is replaced by changing the variable (a
     * restart would otherwise bring it back).
     *
     * @throws HeraldException.NotFound no such token
     * @throws HeraldException.Conflict it is the HERALD_ADMIN_TOKEN token
     */
    public void revoke(String id) {
        String h = store.inTransaction(handle -> {
            record Found(String hash, String origin) {}
            Found f = handle.createQuery("SELECT token_hash, origin FROM api_token WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> new Found(rs.getString("token_hash"), rs.getString("origin"))).findOne()
                    .orElseThrow(() -> new HeraldException.NotFound("token", id));
            if (Origin.ENV.column().equals(f.origin())) {
                throw new HeraldException.Conflict("id", "the HERALD_ADMIN_TOKEN token cannot be revoked here: "
                        + "change HERALD_ADMIN_TOKEN and restart, and the old value stops working");
            }
            handle.createUpdate("DELETE FROM api_token WHERE token_hash = :h").bind("h", f.hash()).execute();
            return f.hash();
        });
        forgettings.incrementAndGet();
        known.remove(h);
        known.remove(ID_KEY + id);
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
        known.remove(ID_KEY + principal.tokenId());
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
                UPDATE api_token SET expires_at = :until WHERE app_id = :app AND (expires_at IS NULL OR expires_at > :until)""")
                .bind("until", until).bind("app", appId).execute());
        // Again after the commit: a lookup meanwhile may have remembered a token with its old expiry.
        forgettings.incrementAndGet();
        known.clear();
        return n;
    }

    private void insertIfAbsent(Handle handle, String token, String role, Origin origin) {
        // ON CONFLICT, not a look first: nodes starting at once on one PostgreSQL database insert the
        // same HERALD_ADMIN_TOKEN side by side, and the second insert must not fail its node's start.
        handle.createUpdate("""
                INSERT INTO api_token (token_hash, id, prefix, role, origin, created_at)
                VALUES (:h, :id, :prefix, :r, :origin, :now)
                ON CONFLICT (token_hash) DO NOTHING""")
                .bind("h", hash(token)).bind("id", ids.next("tok")).bind("prefix", origin == Origin.ENV ? null : prefixOf(token))
                .bind("r", role).bind("origin", origin.column()).bind("now", clock.millis()).execute();
    }

    /** Stops the schedule and writes the uses noted last. */
    @Override
    public void close() {
        lastUsedWriter.close();
        try {
            writeLastUsed();
        } catch (RuntimeException e) {
            log.warn("writing when tokens were last used failed at shutdown; those times are lost, the tokens are not", e);
        }
    }
}
