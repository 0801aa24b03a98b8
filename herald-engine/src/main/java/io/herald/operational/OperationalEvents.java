package io.herald.operational;

import io.herald.Json;
import io.herald.filter.PayloadFilter;
import io.herald.store.Ids;
import io.herald.store.Prepared;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import tools.jackson.databind.JsonNode;

/**
 * Operational webhooks: Herald telling its operators, through itself, that something happened to
 * an endpoint, a delivery or a background task. An event is an ordinary message of the reserved
 * application {@link #APP_ID}, whose endpoints are the operational endpoints, so it is signed,
 * formatted, retried and logged like any other; its payload is Svix's event object
 * {@code {"data": {…}, "type": "…"}}.
 *
 * <p>{@link #emit} writes inside the caller's transaction: the event is durable exactly when the
 * state change it reports is, and rolled back with it. It writes the message and one unleased
 * delivery, due now, per enabled operational endpoint whose event types (and payload filter) take
 * the event; the dispatcher's poller claims them like any due delivery, so an event reaches its
 * receiver within a poll interval of the commit. With no such endpoint (most installations) it
 * reads one indexed query and writes nothing.
 *
 * <p>No loops: an event about the reserved application itself (its {@code appId} is
 * {@link #APP_ID}) is never written, so a failing, exhausted or disabled operational endpoint does
 * not notify about itself.
 *
 * <p>Not guaranteed: an operational endpoint created after the event's transaction does not get it;
 * the event is not seen by receivers before the dispatcher's next poll.
 */
public final class OperationalEvents {
    /** The reserved application. Not an id {@link Ids} makes: the hyphen is outside its alphabet. */
    public static final String APP_ID = "app_herald-operational";

    public static final String ENDPOINT_CREATED = "endpoint.created";
    public static final String ENDPOINT_UPDATED = "endpoint.updated";
    public static final String ENDPOINT_DELETED = "endpoint.deleted";
    public static final String ENDPOINT_ENABLED = "endpoint.enabled";
    public static final String ENDPOINT_DISABLED = "endpoint.disabled";
    public static final String ATTEMPT_EXHAUSTED = "message.attempt.exhausted";
    public static final String ATTEMPT_FAILING = "message.attempt.failing";
    public static final String ATTEMPT_RECOVERED = "message.attempt.recovered";
    public static final String TASK_FINISHED = "background_task.finished";
    /** Every type Herald emits, the names Svix gives them. */
    public static final Set<String> TYPES = Set.of(ENDPOINT_CREATED, ENDPOINT_UPDATED, ENDPOINT_DELETED, ENDPOINT_ENABLED,
            ENDPOINT_DISABLED, ATTEMPT_EXHAUSTED, ATTEMPT_FAILING, ATTEMPT_RECOVERED, TASK_FINISHED);

    /** The failed attempt, counted from 1, after which Svix sends {@code message.attempt.failing}: the fourth. */
    public static final int FAILING_AT_ATTEMPT = 4;

    private static final String TARGETS = """
            SELECT id, filter_types, filter, retry, timeout_ms FROM endpoint WHERE app_id = ? AND disabled = ?""";
    private static final String INSERT_MESSAGE = """
            INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, test, deliver_at)
            VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, NULL)
            ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING""";
    private static final String INSERT_DELIVERY = """
            INSERT INTO delivery (id, app_id, message_id, endpoint_id, status, trigger_type, attempts,
                                  next_attempt_at, locked_by, locked_until, version, created_at, updated_at,
                                  retry_delays, timeout_ms)
            SELECT ?, ?, ?, ?, 'pending', 0, 0, ?, NULL, NULL, 0, ?, ?, ?, ?
            WHERE EXISTS (SELECT 1 FROM endpoint WHERE id = ? AND disabled = ?)""";
    private static final String EVENT_ID_TAKEN = "SELECT 1 FROM message WHERE app_id = ? AND event_id = ?";

    /** An operational endpoint as fan-out needs it: {@code retry} is its stored retry spec. */
    private record Target(String id, Set<String> types, String filter, String retry, Integer timeoutMs) {
        boolean takes(String type) {
            return types == null || types.stream().anyMatch(t -> typeMatches(t, type));
        }
    }

    private static final RowMapper<Target> TARGET = (rs, ctx) -> {
        String types = rs.getString("filter_types");
        int timeout = rs.getInt("timeout_ms");
        return new Target(rs.getString("id"), types == null ? null : Set.of(Json.read(types, String[].class)),
                rs.getString("filter"), rs.getString("retry"), rs.wasNull() ? null : timeout);
    };

    private final Ids ids;
    private final Function<String, String> retryDelays;

    /**
     * {@code retryDelays} turns an endpoint's stored retry spec (null: none) into what its deliveries
     * copy (a JSON array of ms; null: the server's schedule), as publish does for any endpoint.
     */
    public OperationalEvents(Ids ids, Function<String, String> retryDelays) {
        this.ids = ids;
        this.retryDelays = retryDelays;
    }

    /** True for the reserved application, whose endpoints and deliveries no event is about. */
    public static boolean isInternal(String appId) {
        return APP_ID.equals(appId);
    }

    /** Writes event {@code type} with {@code data} in {@code h}'s transaction; see the class comment. */
    public void emit(Handle h, String type, Map<String, Object> data, long now) {
        emit(h, type, null, () -> data, now);
    }

    /**
     * As {@link #emit(Handle, String, Map, long)}, with the data made only when some operational
     * endpoint takes the event (it may cost a read). With an {@code eventId}, the event is written
     * at most once: a second emit with the same id writes nothing. Returns whether it was written.
     */
    public boolean emit(Handle h, String type, String eventId, Supplier<Map<String, Object>> data, long now) {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("not an operational event type: " + type);
        }
        List<Target> targets = new ArrayList<>();
        for (Target t : Prepared.on(h, TARGETS).set(APP_ID).set(false).list(TARGET)) {
            if (t.takes(type)) {
                targets.add(t);
            }
        }
        if (targets.isEmpty()) {
            return false;
        }
        Map<String, Object> made = data.get();
        if (isInternal(String.valueOf(made.get("appId")))) {
            return false;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("data", made);
        event.put("type", type);
        String payload = Json.write(event);
        JsonNode tree = null;
        List<Target> taking = new ArrayList<>(targets.size());
        for (Target t : targets) {
            if (t.filter() != null) {
                tree = tree != null ? tree : Json.read(payload);
                if (!PayloadFilter.cached(t.filter()).matches(PayloadFilter.subject(type, null, tree))) {
                    continue;
                }
            }
            taking.add(t);
        }
        if (taking.isEmpty()) {
            return false;
        }
        String messageId = ids.next("msg");
        if (Prepared.on(h, INSERT_MESSAGE).set(messageId).set(APP_ID).set(type).set(eventId).set(payload).set(now).set(false)
                .update() == 0) {
            return false; // an event with this id was written before
        }
        Prepared batch = Prepared.on(h, INSERT_DELIVERY);
        for (Target t : taking) {
            batch.set(ids.next("dlv")).set(APP_ID).set(messageId).set(t.id()).set(now).set(now).set(now)
                    .set(t.retry() == null ? null : retryDelays.apply(t.retry())).set(t.timeoutMs()).set(t.id()).set(false).add();
        }
        batch.batch();
        return true;
    }

    /** Whether an event with {@code eventId} was written (e.g. the failing notice a recovery answers). */
    public static boolean emitted(Handle h, String eventId) {
        return Prepared.on(h, EVENT_ID_TAKEN).set(APP_ID).set(eventId).exists();
    }

    /** Svix's data of the endpoint events: the application and the endpoint; uids may be null. */
    public static Map<String, Object> endpointData(String appId, String appUid, String endpointId, String endpointUid) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("appId", appId);
        m.put("appUid", appUid);
        m.put("endpointId", endpointId);
        m.put("endpointUid", endpointUid);
        return m;
    }

    /** The event-type filters of operational endpoints, as any endpoint's: exact, {@code *}, or a prefix such as {@code endpoint.*}. */
    public static boolean typeMatches(String filter, String type) {
        if (filter.equals("*")) {
            return true;
        }
        if (filter.endsWith(".*")) {
            return type.startsWith(filter.substring(0, filter.length() - 1));
        }
        return filter.equals(type);
    }
}
