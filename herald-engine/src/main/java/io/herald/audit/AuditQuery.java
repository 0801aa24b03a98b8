package io.herald.audit;

import java.time.Instant;

/**
 * Filters of the audit log list; null means no filter. {@code before} and {@code after} are
 * exclusive, as in the message list; {@code route} is a route pattern, matched exactly.
 */
public record AuditQuery(Instant before, Instant after, String tokenId, String appId, String route, String method) {
    public static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null);
}
