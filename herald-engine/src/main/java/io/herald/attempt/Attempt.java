package io.herald.attempt;

import java.time.Instant;

/**
 * One HTTP try of one delivery. {@code status} uses Svix's MessageStatus numbers (0 success,
 * 2 fail); {@code triggerType} 0 scheduled, 1 manual; {@code responseStatusCode} 0 when no response
 * arrived, and then {@code error} says why.
 */
public record Attempt(String id, String appId, String msgId, String endpointId, String deliveryId, int attemptNumber,
                      int status, int triggerType, String url, int responseStatusCode, String response,
                      long responseDurationMs, String error, Instant nextAttempt, Instant timestamp) {
    public static final int SUCCESS = 0;
    public static final int PENDING = 1;
    public static final int FAIL = 2;
    public static final int SENDING = 3;
}
