package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.app.Applications;
import io.herald.operational.OperationalEvents;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operational webhook endpoints: the endpoints of the reserved application
 * ({@link OperationalEvents#APP_ID}), which receive Herald's operational events. They are endpoints
 * like any other (secret and rotation, custom headers, throttle rate, and Herald's format, filter,
 * signature, retry and timeout), managed here because the application routes never find their
 * application. Two differences: their {@code eventTypes} must name operational event types (or
 * wildcards that match one), and they take no {@code channels}, which operational events never
 * carry. Nothing done to them is itself told as an operational event.
 */
public final class OperationalEndpoints {
    private static final Endpoints.Scope RESERVED = h -> h.createQuery("SELECT * FROM application WHERE id = :id")
            .bind("id", OperationalEvents.APP_ID).map(Applications.rows()).findOne()
            .orElseThrow(() -> new IllegalStateException("the reserved application " + OperationalEvents.APP_ID
                    + " is missing: the database was not migrated by this version of Herald"));

    private final Endpoints endpoints;

    public OperationalEndpoints(Endpoints endpoints) {
        this.endpoints = endpoints;
    }

    public Page<Endpoint> list(PageRequest page) {
        return endpoints.list(RESERVED, page);
    }

    public Endpoint create(EndpointIn in) {
        return endpoints.create(RESERVED, check(in));
    }

    public Endpoint get(String idOrUid) {
        return endpoints.get(RESERVED, idOrUid);
    }

    public Optional<Endpoint> find(String idOrUid) {
        return endpoints.find(RESERVED, idOrUid);
    }

    /** Svix's upsert of a missing endpoint: created with {@code pathIdOrUid} as its uid. */
    public Endpoint createAlongside(String pathIdOrUid, EndpointIn in) {
        return endpoints.createAlongside(RESERVED, pathIdOrUid, check(in));
    }

    /** PUT semantics, as {@link Endpoints#update(String, String, EndpointIn)}. */
    public Endpoint update(String idOrUid, EndpointIn in) {
        return endpoints.update(RESERVED, idOrUid, check(in));
    }

    public void delete(String idOrUid) {
        endpoints.delete(RESERVED, idOrUid);
    }

    public String secret(String idOrUid) {
        return endpoints.secret(RESERVED, idOrUid);
    }

    public void rotateSecret(String idOrUid, String newKey, Duration overlap) {
        endpoints.rotateSecret(RESERVED, idOrUid, newKey, overlap);
    }

    public CustomHeaders headers(String idOrUid) {
        return endpoints.headers(RESERVED, idOrUid);
    }

    /** Replaces the custom headers (Svix has no merge for operational endpoints); {@code sensitive} marks some. */
    public void setHeaders(String idOrUid, Map<String, String> headers, Set<String> sensitive) {
        endpoints.setHeaders(RESERVED, idOrUid, headers, false, sensitive);
    }

    /** What only operational endpoints refuse; the rest is checked as for any endpoint. */
    private static EndpointIn check(EndpointIn in) {
        if (in.channels() != null) {
            throw new HeraldException.InvalidInput("channels", "is not supported on an operational endpoint: operational events carry no channels");
        }
        if (in.policy() != null && in.policy().ordering() != null) {
            throw new HeraldException.InvalidInput("ordering", "is not supported on an operational endpoint: its events go out as they come");
        }
        if (in.filterTypes() != null) {
            int i = 0;
            for (String t : in.filterTypes()) {
                String field = "eventTypes[" + i++ + "]";
                if (t == null || OperationalEvents.TYPES.stream().noneMatch(type -> OperationalEvents.typeMatches(t, type))) {
                    throw new HeraldException.InvalidInput(field, "must be an operational event type ("
                            + String.join(", ", new java.util.TreeSet<>(OperationalEvents.TYPES)) + ") or a wildcard matching one");
                }
            }
        }
        return in;
    }
}
