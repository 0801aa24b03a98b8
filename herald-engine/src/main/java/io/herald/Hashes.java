package io.herald;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in hex, as Herald stores what it must recognise but not keep (tokens, request bodies). */
public final class Hashes {
    private Hashes() {}

    /** The SHA-256 of {@code text} in UTF-8, in lower-case hex; null hashes as the empty text. */
    public static String sha256Hex(String text) {
        byte[] bytes = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        return HEX.formatHex(sha256().digest(bytes));
    }

    private static final HexFormat HEX = HexFormat.of();
    /** Cloned for each use: looking the algorithm up among the providers cost more than the hashing. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
            SHA_256.clone();
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("checked when the class was loaded", e);
        }
    }
}
