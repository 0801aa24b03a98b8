package io.herald.secret;

import io.herald.BoundedCache;
import io.herald.HeraldException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that encrypt secrets at rest (endpoint signing secrets, custom header values), and the
 * encryption: AES-256-GCM with a random 96-bit nonce per value and the value's place (e.g.
 * {@code endpoint:ep_…:secret}) as associated data, so a ciphertext copied to another row or column
 * does not open there.
 *
 * <p>A sealed value is text: {@code enc:v1:<key id>:<base64url of nonce, ciphertext and tag>}. The
 * first key of the ring seals; every key opens the values that name it. Keys are written
 * {@code <id>:<base64 of 32 bytes>}, several separated by commas or line breaks, newest first; ids
 * are 1 to 32 letters, digits and '-'.
 *
 * <p>Opened values are cached by place and ciphertext (bounded, least recently used first out): the
 * delivery path reads an endpoint's secrets for every publish and attempt, and a changed value has
 * another ciphertext, so a cached plaintext is never served for a value that changed. Not
 * guaranteed: plaintexts stay in this process's memory while cached, and nothing here is ever
 * logged or put in an exception message except key ids and places.
 */
public final class Keyring {
    /** What every sealed value starts with; nothing Herald stores in plain text does. */
    public static final String PREFIX = "enc:v1:";
    public static final int KEY_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9-]{1,32}");
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** Three values per endpoint (secret, rotated-out secrets, headers): some 5,000 busy endpoints. */
    private static final int CACHE_SIZE = 16_384;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODE = Base64.getUrlDecoder();

    /** A key of the ring. Its bytes never appear in {@link #toString()}. */
    private record Key(String id, SecretKeySpec spec) {
        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    private final List<Key> keys;
    private final Map<String, Key> byId;
    private final String source;
    private final BoundedCache<String> opened = new BoundedCache<>(CACHE_SIZE);

    private Keyring(List<Key> keys, String source) {
        this.keys = List.copyOf(keys);
        this.byId = new LinkedHashMap<>();
        keys.forEach(k -> byId.put(k.id(), k));
        this.source = source;
    }

    /** A sealed value cannot be opened: its key is not in the ring, or the key or the value is wrong. */
    public static final class Unusable extends HeraldException {
        public Unusable(String message) {
            super(message);
        }

        @Override
        public String code() {
            return "secret_key";
        }
    }

    /**
     * Reads keys written {@code <id>:<base64 of 32 bytes>}, separated by commas or line breaks, newest
     * first; lines starting with {@code #} are comments. {@code source} names where they came from
     * (a setting, a file) in messages. A bad ring throws IllegalArgumentException saying what is
     * wrong, never quoting key material.
     */
    public static Keyring parse(String source, String text) {
        List<Key> keys = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\\R")) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (String part : line.split(",")) {
                String entry = part.strip();
                if (entry.isEmpty()) {
                    continue;
                }
                n++;
                int colon = entry.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(source + ": key " + n + " must be written <id>:<base64 of 32 bytes>");
                }
                String id = entry.substring(0, colon);
                if (!KEY_ID.matcher(id).matches()) {
                    throw new IllegalArgumentException(source + ": key " + n + " has an id that is not 1 to 32 letters, digits and '-'");
                }
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(source + ": key '" + id + "' is not valid base64");
                }
                if (bytes.length != KEY_BYTES) {
                    throw new IllegalArgumentException(source + ": key '" + id + "' must be 32 bytes (44 base64 characters), got "
                            + bytes.length + " bytes");
                }
                String dup = id;
                if (keys.stream().anyMatch(k -> k.id().equals(dup))) {
                    throw new IllegalArgumentException(source + ": key id '" + id + "' appears twice");
                }
                keys.add(new Key(id, new SecretKeySpec(bytes, "AES")));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no key (expected <id>:<base64 of 32 bytes>)");
        }
        return new Keyring(keys, source);
    }

    /** A new key, written as {@link #parse} reads it, with an id made of today's date and a random suffix. */
    public static String newKey(Clock clock) {
        byte[] bytes = new byte[KEY_BYTES];
        RANDOM.nextBytes(bytes);
        byte[] suffix = new byte[2];
        RANDOM.nextBytes(suffix);
        String id = "k" + LocalDate.now(clock).format(DateTimeFormatter.BASIC_ISO_DATE) + "-" + HexFormat.of().formatHex(suffix);
        return id + ":" + Base64.getEncoder().encodeToString(bytes);
    }

    /** Where the keys came from, for messages: a setting's name or a file's path. */
    public String source() {
        return source;
    }

    /** The id of the key that seals. */
    public String currentId() {
        return keys.getFirst().id();
    }

    /** The ids of every key, newest first. */
    public List<String> ids() {
        return List.copyOf(byId.keySet());
    }

    /** True when {@code value} is sealed (by any key), rather than plain text as an earlier version wrote it. */
    public static boolean isSealed(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    /** The id of the key that sealed {@code sealed}. */
    public static String keyIdOf(String sealed) {
        int end = sealed.indexOf(':', PREFIX.length());
        return end < 0 ? "" : sealed.substring(PREFIX.length(), end);
    }

    /** True when {@code value} is sealed by the newest key. */
    public boolean isCurrent(String value) {
        return isSealed(value) && keyIdOf(value).equals(currentId());
    }

    /** Encrypts {@code plaintext} under the newest key, bound to {@code place}. */
    public String seal(String plaintext, String place) {
        Key key = keys.getFirst();
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        String header = PREFIX + key.id() + ":";
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(header, place));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed);
            return header + B64URL.encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /**
     * Decrypts {@code sealed}, which must have been sealed for {@code place}; throws {@link Unusable}
     * when its key is not in the ring, or when the key or the value is wrong.
     */
    public String open(String sealed, String place) {
        return opened.get(place + "\n" + sealed, k -> decrypt(sealed, place));
    }

    private String decrypt(String sealed, String place) {
        String id = keyIdOf(sealed);
        if (!isSealed(sealed) || id.isEmpty()) {
            throw new Unusable(place + " is not an encrypted value");
        }
        Key key = byId.get(id);
        if (key == null) {
            throw new Unusable(place + " is encrypted with key '" + id + "', which is not among the keys of "
                    + source + " (" + String.join(", ", byId.keySet()) + ")");
        }
        String header = PREFIX + id + ":";
        byte[] data;
        try {
            data = B64URL_DECODE.decode(sealed.substring(header.length()));
        } catch (IllegalArgumentException e) {
            throw new Unusable(place + " is not a well-formed encrypted value");
        }
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new Unusable(place + " is not a well-formed encrypted value");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
            cipher.updateAAD(aad(header, place));
            return new String(cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new Unusable(place + " does not decrypt with key '" + id + "' of " + source
                    + ": that key is not the one it was encrypted with, or the value was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /** The associated data: the value's header (version and key id) and its place. */
    private static byte[] aad(String header, String place) {
        return (header + place).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Keyring" + byId.keySet() + " from " + source;
    }
}
