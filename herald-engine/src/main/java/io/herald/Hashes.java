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
        try {
            byte[] bytes = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
