package io.herald.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One row of the audit log: a change made through the management API, who made it, and from
 * where. It names what changed (the route, the ids, the names of the fields sent) and never holds
 * a value: field values may be secrets (a signing key, a header value, a URL with a token in it).
 *
 * @param id          {@code audit_…}, ordered by time
 * @param at          when the change was answered
 * @param change      what was recorded
 */
public record AuditEntry(String id, Instant at, Change change) {
    /**
     * @param tokenId     the caller's token id ({@code tok_…})
     * @param tokenRole   {@code admin}, {@code viewer} or {@code app}
     * @param tokenAppId  the application an application token is scoped to; null for the others
     * @param method      the HTTP method
     * @param route       the route's pattern, e.g. {@code /api/v1/app/{app_id}/endpoint/{endpoint_id}}
     * @param status      the HTTP status answered (a 2xx)
     * @param appId       the id of the application the change was about, if the route names one
     * @param resourceIds the path parameters as given (an id or a uid)
     * @param resourceId  the id of the resource the answer shows (what a create made), if any
     * @param fields      the top-level member names of the request body, sorted
     * @param remoteAddr  the caller's address
     */
    public record Change(String tokenId, String tokenRole, String tokenAppId, String method, String route, int status,
                         String appId, Map<String, String> resourceIds, String resourceId, List<String> fields,
                         String remoteAddr) {
        public Change {
            resourceIds = Map.copyOf(resourceIds);
            fields = List.copyOf(fields);
        }
    }
}
