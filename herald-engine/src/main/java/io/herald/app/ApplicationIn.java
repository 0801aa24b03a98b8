package io.herald.app;

import java.util.Map;

/** What a caller may set on an application. */
public record ApplicationIn(String name, String uid, Integer rateLimit, Map<String, String> metadata) {}
