package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.secret.Keyring;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import tools.jackson.core.type.TypeReference;

/**
 * An endpoint's signing keys: the current one, and rotated-out ones still valid until they expire.
 * Keys of the standard and svix profiles are written {@code whsec_<base64>} as Standard Webhooks
 * defines; the {@code hmac-sha256-hex} profile also takes a secret as the receiver holds it
 * ({@link #parseGiven}). Both columns are stored encrypted (see {@link Keyring}).
 */
public record Secrets(String current, List<Previous> previous) {
    public static final String PREFIX = "whsec_";
    /** Bounds of a secret given for the hmac-sha256-hex profile. */
    public static final int MIN_GIVEN = 8;
    public static final int MAX_GIVEN = 256;
    private static final Pattern FORMAT = Pattern.compile("^(whsec_)?[a-zA-Z0-9+/=]{32,100}$");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NONE = "[]";

    /** A rotated-out key and when it stops signing. */
    public record Previous(String key, Instant expiresAt) {
        @Override
        public String toString() {
            return "Previous[expiresAt=" + expiresAt + "]";
        }
    }

    @Override
    public String toString() {
        return "Secrets[" + previous.size() + " rotated out]";
    }

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

    /**
     * Checks a caller-supplied key for an endpoint signed by {@code profile}: a {@code whsec_} key
     * for the standard and svix profiles ({@link #parse(String, String)}), a secret as given for
     * {@code hmac-sha256-hex} ({@link #parseGiven}).
     */
    public static String parse(String field, String key, SignatureProfile profile) {
        return profile.type().equals(SignatureProfile.HEX) ? parseGiven(field, key) : parse(field, key);
    }

    /**
     * A secret as the receiver holds it (e.g. {@code optional-hmac-secret}), kept exactly as given:
     * {@value #MIN_GIVEN} to {@value #MAX_GIVEN} printable ASCII characters, no spaces.
     */
    public static String parseGiven(String field, String key) {
        if (key.length() < MIN_GIVEN || key.length() > MAX_GIVEN || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new HeraldException.InvalidInput(field, "must be " + MIN_GIVEN + " to " + MAX_GIVEN
                    + " printable ASCII characters without spaces (or a 'whsec_' key)");
        }
        return key;
    }

    /** True when {@code key} is a {@code whsec_} key, which the standard and svix profiles need. */
    public static boolean isStandard(String key) {
        try {
            return parse("key", key).equals(key);
        } catch (HeraldException.InvalidInput e) {
            return false;
        }
    }

    public static byte[] keyBytes(String key) {
        return Base64.getDecoder().decode(key.substring(PREFIX.length()));
    }

    /** The keys that sign at {@code now}: the current one first. */
    public List<String> signingKeys(Instant now) {
        var keys = new ArrayList<String>();
        keys.add(current);
        for (Previous p : previous) {
            if (p.expiresAt().isAfter(now)) {
                keys.add(p.key());
            }
        }
        return keys;
    }

    /** These keys without the rotated-out ones the standard and svix profiles cannot sign with. */
    Secrets standardOnly() {
        return new Secrets(current, previous.stream().filter(p -> isStandard(p.key())).toList());
    }

    static String currentPlace(String endpointId) {
        return "endpoint:" + endpointId + ":secret";
    }

    static String previousPlace(String endpointId) {
        return "endpoint:" + endpointId + ":old_secrets";
    }

    /**
     * Reads the columns {@code secret} and {@code old_secrets}: sealed, or plain as versions before
     * encryption wrote them. {@code []} (nothing rotated out) is stored as is.
     */
    static Secrets read(String endpointId, String secret, String oldSecrets, Supplier<Keyring> keyring) {
        String current = Keyring.isSealed(secret) ? keyring.get().open(secret, currentPlace(endpointId)) : secret;
        String previous = Keyring.isSealed(oldSecrets) ? keyring.get().open(oldSecrets, previousPlace(endpointId)) : oldSecrets;
        return new Secrets(current, previous.equals(NONE) ? List.of()
                : Json.MAPPER.readValue(previous, new TypeReference<List<Previous>>() {}));
    }

    /** The {@code secret} column for this value. */
    String currentColumn(Keyring keyring, String endpointId) {
        return keyring.seal(current, currentPlace(endpointId));
    }

    /** The {@code old_secrets} column for this value: {@code []}, or sealed. */
    String previousColumn(Keyring keyring, String endpointId) {
        return previous.isEmpty() ? NONE : keyring.seal(Json.write(previous), previousPlace(endpointId));
    }
}
