package io.herald.app;

import java.time.Instant;
import java.util.Map;

/** A tenant: one customer account whose endpoints receive that tenant's messages. */
public record Application(String id, String uid, String name, Integer rateLimit, Map<String, String> metadata,
                          Instant createdAt, Instant updatedAt) {}
