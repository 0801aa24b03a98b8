package io.herald.endpoint;

import io.herald.HeraldException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An endpoint's signing keys: the current one, and rotated-out ones still valid until they expire.
 * Keys are written {@code whsec_<base64>} as Standard Webhooks defines.
 */
public record Secrets(String current, List<Previous> previous) {
    public static final String PREFIX = "whsec_";
    private static final Pattern FORMAT = Pattern.compile("^(whsec_)?[a-zA-Z0-9+/=]{32,100}$");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A rotated-out key and when it stops signing. */
    public record Previous(String key, Instant expiresAt) {}

    public static String generate() {
        byte[] key = new byte[24];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** Checks a caller-supplied key and returns it with its prefix. */
    public static String parse(String field, String key) {
        if (!FORMAT.matcher(key).matches()) {
            throw new HeraldException.InvalidInput(field, "must be 'whsec_' followed by 24 to 64 bytes in base64");
        }
        String withPrefix = key.startsWith(PREFIX) ? key : PREFIX + key;
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(withPrefix.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new HeraldException.InvalidInput(field, "is not valid base64");
        }
        if (raw.length < 24 || raw.length > 64) {
            throw new HeraldException.InvalidInput(field, "must hold 24 to 64 bytes");
        }
        return withPrefix;
    }

    public static byte[] keyBytes(String key) {
        return Base64.getDecoder().decode(key.substring(PREFIX.length()));
    }

    /** The keys that sign at {@code now}: the current one first. */
    public List<String> signingKeys(Instant now) {
        var keys = new java.util.ArrayList<String>();
        keys.add(current);
        for (Previous p : previous) {
            if (p.expiresAt().isAfter(now)) {
                keys.add(p.key());
            }
        }
        return keys;
    }
}
