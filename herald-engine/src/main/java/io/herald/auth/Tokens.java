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

    private final Store store;
    private final Clock clock;

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
        return store.read(handle -> handle.createQuery("SELECT role FROM api_token WHERE token_hash = :h")
                .bind("h", h).mapTo(String.class).findOne());
    }

    public boolean hasAdmin() {
        return store.read(h -> h.createQuery("SELECT COUNT(*) FROM api_token WHERE role = :r")
                .bind("r", ADMIN).mapTo(Integer.class).one() > 0);
    }

    /** Stores the hash of {@code token} with {@code role}; storing it twice is harmless. */
    public void add(String token, String role) {
        String h = hash(token);
        store.inTransaction(handle -> {
            boolean exists = handle.createQuery("SELECT 1 FROM api_token WHERE token_hash = :h").bind("h", h)
                    .mapTo(Integer.class).findOne().isPresent();
            if (!exists) {
                handle.createUpdate("INSERT INTO api_token (token_hash, role, created_at) VALUES (:h, :r, :now)")
                        .bind("h", h).bind("r", role).bind("now", clock.millis()).execute();
            }
            return null;
        });
    }
}
