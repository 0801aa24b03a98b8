package io.herald.attempt;

import java.time.Instant;
import java.util.Map;

/**
 * One HTTP try of one delivery. {@code status} uses Svix's MessageStatus numbers (0 success,
 * 2 fail); {@code triggerType} 0 scheduled, 1 manual; {@code responseStatusCode} 0 when no response
 * arrived, and then {@code error} says why.
 *
 * <p>What was sent and what came back beyond the body: {@code requestHeaders} as Herald sent them
 * (every custom header's value masked), {@code requestBody} (its first {@link #BODY_CAP} bytes;
 * {@code requestBodyTruncated} when more was sent) and
 * {@code responseHeaders} (bounded, see {@code HttpSender}). Each is null when not recorded: the
 * attempt was made before they were kept, nothing was sent, or the content was purged or deleted.
 *
 * <p>{@code requestBodyIsPayload}: the body sent was the message's payload as stored, character for
 * character (the {@code json} format without an envelope). The log then keeps no second copy and
 * reads the body from the message; it goes when the message's payload goes.
 */
public record Attempt(String id, String appId, String msgId, String endpointId, String deliveryId, int attemptNumber,
                      int status, int triggerType, String url, int responseStatusCode, String response,
                      long responseDurationMs, String error, Instant nextAttempt, Instant timestamp,
                      Map<String, String> requestHeaders, String requestBody, boolean requestBodyTruncated,
                      boolean requestBodyIsPayload, Map<String, String> responseHeaders) {
    public static final int SUCCESS = 0;
    public static final int PENDING = 1;
    public static final int FAIL = 2;
    public static final int SENDING = 3;
    /** How much of a request body is kept, in UTF-8 bytes: as much as of a response. */
    public static final int BODY_CAP = 64 * 1024;

    /** Without a record of the request and the response's headers. */
    public Attempt(String id, String appId, String msgId, String endpointId, String deliveryId, int attemptNumber,
                   int status, int triggerType, String url, int responseStatusCode, String response,
                   long responseDurationMs, String error, Instant nextAttempt, Instant timestamp) {
        this(id, appId, msgId, endpointId, deliveryId, attemptNumber, status, triggerType, url, responseStatusCode, response,
                responseDurationMs, error, nextAttempt, timestamp, null, null, false, false, null);
    }
}
