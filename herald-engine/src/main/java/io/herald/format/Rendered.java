package io.herald.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** What goes on the wire: the request body and its {@code Content-Type}. */
public record Rendered(byte[] body, String contentType) {
    public Rendered {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
    }

    static Rendered utf8(String body, String contentType) {
        return new Rendered(body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /** The body decoded as UTF-8, which every format writes. */
    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rendered r && Arrays.equals(body, r.body) && contentType.equals(r.contentType);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(body) + contentType.hashCode();
    }

    @Override
    public String toString() {
        return "Rendered[" + body.length + " bytes, " + contentType + "]";
    }
}
