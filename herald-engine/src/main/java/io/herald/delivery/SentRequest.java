package io.herald.delivery;

import io.herald.attempt.Attempt;
import io.herald.endpoint.CustomHeaders;
import io.herald.format.Rendered;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an attempt sent, as the attempt log keeps it, and what came back. The headers are Herald's
 * own (signature, Content-Type, Content-Length, User-Agent) in clear and the endpoint's custom ones
 * with every value replaced by {@link CustomHeaders#MASK}: custom values are encrypted at rest
 * (docs/security.md), and a plain copy in the attempt log would undo that. The body is its first
 * {@link Attempt#BODY_CAP} bytes. Headers and body are null when nothing was sent.
 */
record SentRequest(Map<String, String> headers, String body, boolean bodyTruncated, boolean bodyIsPayload,
                   HttpSender.Result result) {

    /** Nothing went out: rendering, signing or the target was refused. */
    static SentRequest none(HttpSender.Result result) {
        return new SentRequest(null, null, false, false, result);
    }

    /**
     * @param sent   the headers given to the client: custom ones, then the signature's
     * @param custom the endpoint's custom headers, whose values are masked unless the signature replaced them
     * @param payload the message's payload as stored: a body equal to it is not copied into the log
     */
    static SentRequest of(Map<String, String> sent, Map<String, String> custom, Rendered rendered, String payload,
                          String userAgent, HttpSender.Result result) {
        Map<String, String> kept = new LinkedHashMap<>();
        sent.forEach((name, value) -> kept.put(name, custom.containsKey(name) && value.equals(custom.get(name))
                ? CustomHeaders.MASK : value));
        // Set by the client from the body and its settings; sent as much as the others.
        kept.put("Content-Type", rendered.contentType());
        kept.put("Content-Length", Integer.toString(rendered.body().length));
        kept.put("User-Agent", userAgent);
        byte[] body = rendered.body();
        boolean truncated = body.length > Attempt.BODY_CAP;
        // A cut inside a character, or bytes that are not UTF-8, read as U+FFFD, as a response body does.
        String text = new String(truncated ? Arrays.copyOf(body, Attempt.BODY_CAP) : body, StandardCharsets.UTF_8);
        return new SentRequest(kept, text, truncated, !truncated && text.equals(payload), result);
    }
}
