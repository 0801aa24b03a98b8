package io.herald.endpoint;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, one per
 * valid key, separated by spaces.
 */
public final class Signer {
    private Signer() {}

    public static String sign(String msgId, long timestampSeconds, byte[] body, List<String> keys) {
        byte[] prefix = (msgId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String key : keys) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append("v1,").append(Base64.getEncoder().encodeToString(hmac(Secrets.keyBytes(key), prefix, body)));
        }
        return out.toString();
    }

    /**
     * Cloned for each signature: {@link Mac#getInstance} looks the provider up again on every call,
     * which cost more than the HMAC of a 1 KiB body. A clone is not yet initialised with any key.
     */
    private static final Mac PROTOTYPE;

    static {
        try {
            PROTOTYPE = Mac.getInstance("HmacSHA256");
            // Chooses the provider now, in class initialisation: getInstance defers the choice to the
            // first use, and the prototype is then only ever read (cloned) by concurrent signers.
            PROTOTYPE.getProvider();
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
        try {
            Mac mac = (Mac) PROTOTYPE.clone();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (CloneNotSupportedException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
