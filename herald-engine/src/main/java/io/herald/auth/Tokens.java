package io.herald.auth;

import io.herald.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/** API tokens, stored as SHA-256 hashes. A token is 32 random bytes, so a fast hash is enough. */
public final class Tokens {
    public static final String ADMIN = "admin";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * How long a token once found is believed without asking the database again. Every API call
     * checks its token, and the lookup was a tenth of the CPU a publish costs. Tokens change only
     * when a node starts with another HERALD_ADMIN_TOKEN; this node forgets at once, other nodes
     * within this time. Unknown tokens are never remembered.
     */
    static final java.time.Duration REMEMBER = java.time.Duration.ofSeconds(5);
    private static final int REMEMBER_MAX = 1_024;

    private final Store store;
    private final Clock clock;
    private final java.util.concurrent.ConcurrentHashMap<String, Known> known = new java.util.concurrent.ConcurrentHashMap<>();

    private record Known(String role, long until) {}

    public Tokens(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "hrld_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The role of {@code token}, or empty when it is not a token of this server. */
    public Optional<String> roleOf(String token) {
        String h = hash(token);
        long now = clock.millis();
        Known k = known.get(h);
        if (k != null && now < k.until()) {
            return Optional.of(k.role());
        }
        Optional<String> role = store.read(handle -> handle.createQuery("SELECT role FROM api_token WHERE token_hash = :h")
                .bind("h", h).mapTo(String.class).findOne());
        if (role.isPresent()) {
            if (known.size() >= REMEMBER_MAX) {
                known.clear();
            }
            known.put(h, new Known(role.get(), now + REMEMBER.toMillis()));
        } else {
            known.remove(h);
        }
        return role;
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
        GENERATED;

        String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
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
        known.clear();
    }

    private void insertIfAbsent(org.jdbi.v3.core.Handle handle, String h, String role, Origin origin) {
        boolean exists = handle.createQuery("SELECT 1 FROM api_token WHERE token_hash = :h").bind("h", h)
                .mapTo(Integer.class).findOne().isPresent();
        if (!exists) {
            handle.createUpdate("""
                    INSERT INTO api_token (token_hash, role, origin, created_at) VALUES (:h, :r, :origin, :now)""")
                    .bind("h", h).bind("r", role).bind("origin", origin.column()).bind("now", clock.millis()).execute();
        }
    }
}
