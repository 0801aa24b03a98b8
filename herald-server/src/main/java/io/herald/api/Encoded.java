package io.herald.api;

import io.herald.Json;

/**
 * A reply body as bytes on the wire: JSON for success, a problem document for errors, or a kept
 * response replayed as it was first written. {@code bytes} null means no body.
 */
record Encoded(String contentType, byte[] bytes, boolean replayed) {
    /** How {@code reply} goes on the wire; null when it has no body. */
    static Encoded of(Reply reply) {
        if (reply.body() instanceof Encoded e) {
            return e;
        }
        if (reply.body() == null) {
            return null;
        }
        return new Encoded(reply.status() >= 400 ? "application/problem+json" : "application/json",
                Json.MAPPER.writeValueAsBytes(reply.body()), false);
    }
}
