package io.herald.api;

import io.herald.app.Application;
import io.herald.attempt.Attempt;
import io.herald.delivery.LatestDeliveries;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Health;
import io.herald.eventtype.EventType;
import io.herald.message.Message;
import io.herald.store.Page;
import io.herald.task.BackgroundTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.util.RawValue;

/** The JSON shapes of the API, in Svix's field names; Herald's additions are extra fields. */
final class Out {
    private Out() {}

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    private static List<String> sorted(Set<String> s) {
        return s == null ? null : new ArrayList<>(new TreeSet<>(s));
    }

    static Map<String, Object> application(Application a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("uid", a.uid());
        m.put("name", a.name());
        // Both generations of Svix's names, so 1.x and 2.x SDKs read back what they sent.
        m.put(In.THROTTLE_RATE, a.rateLimit());
        m.put(In.RATE_LIMIT, a.rateLimit());
        m.put("metadata", a.metadata());
        m.put("createdAt", time(a.createdAt()));
        m.put("updatedAt", time(a.updatedAt()));
        return m;
    }

    static Map<String, Object> eventType(EventType t, boolean withSchemas) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("description", t.description());
        m.put("archived", t.archived());
        m.put("deprecated", t.deprecated());
        m.put("schemas", withSchemas ? t.schemas() : null);
        m.put(In.FEATURE_FLAGS, sorted(t.featureFlags()));
        // Svix 1.x knew one flag per type.
        m.put(In.FEATURE_FLAG, t.featureFlags() != null && t.featureFlags().size() == 1 ? t.featureFlags().iterator().next() : null);
        m.put("groupName", t.groupName());
        m.put("createdAt", time(t.createdAt()));
        m.put("updatedAt", time(t.updatedAt()));
        // Herald's additions.
        m.put("example", withSchemas ? t.example() : null);
        m.put("enforceSchema", t.enforceSchema());
        return m;
    }

    static Map<String, Object> endpoint(Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("uid", e.uid());
        m.put("url", e.url());
        m.put("version", e.version());
        m.put("description", e.description());
        // Both generations of Svix's names, so 1.x and 2.x SDKs read back what they sent.
        m.put(In.EVENT_TYPES, sorted(e.filterTypes()));
        m.put(In.FILTER_TYPES, sorted(e.filterTypes()));
        m.put("channels", sorted(e.channels()));
        m.put("disabled", e.disabled());
        m.put(In.THROTTLE_RATE, e.rateLimit());
        m.put(In.RATE_LIMIT, e.rateLimit());
        m.put("metadata", e.metadata());
        m.put("createdAt", time(e.createdAt()));
        m.put("updatedAt", time(e.updatedAt()));
        // Herald's additions: the delivery policy.
        m.put("format", e.policy().format().spec());
        m.put("filter", e.policy().filter());
        m.put("signature", e.policy().signature().spec());
        m.put("retry", e.policy().retry() == null ? null : e.policy().retry().spec());
        m.put("timeoutMs", e.policy().timeoutMs());
        m.put("maxInFlight", e.policy().maxInFlight());
        m.put("circuitBreaker", e.policy().circuitBreaker() == null ? null : e.policy().circuitBreaker().spec());
        m.put("ordering", e.policy().fifo() ? DeliveryPolicy.FIFO : null);
        // Read-only: how the receiver has been answering, and why Herald disabled it, if it did.
        m.put("health", health(e.health(), e.disabled()));
        m.put("disabledReason", e.disabled() ? e.health().disabledReason() : null);
        return m;
    }

    static Map<String, Object> health(Health h, boolean disabled) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", h.state(disabled));
        m.put("consecutiveFailures", h.failures());
        m.put("failingSince", time(h.failingSince()));
        m.put("lastSuccessAt", time(h.lastSuccessAt()));
        m.put("lastFailureAt", time(h.lastFailureAt()));
        m.put("lastError", h.lastError());
        m.put("nextProbeAt", disabled ? null : time(h.nextProbeAt()));
        return m;
    }

    /** The endpoint members a Svix client cannot send, which a PUT keeps when it leaves them out. */
    static final java.util.List<String> ENDPOINT_EXTENSIONS = java.util.List.of("headers", "format", "filter", "signature", "retry", "timeoutMs",
            "circuitBreaker", "ordering", "maxInFlight");
    /** The event type members a Svix client cannot send, which a PUT keeps when it leaves them out. */
    static final java.util.List<String> EVENT_TYPE_EXTENSIONS = java.util.List.of("example", "enforceSchema");

    static Map<String, Object> message(Message msg, boolean withContent) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", msg.id());
        m.put("eventType", msg.eventType());
        m.put("eventId", msg.eventId());
        // The stored text as it is, not parsed and written again: it is valid JSON (checked at
        // publish), the publisher's own bytes, and copying it costs a fraction of serializing a tree.
        m.put("payload", !withContent ? Map.of() : new RawValue(msg.payload()));
        m.put("channels", sorted(msg.channels()));
        m.put("tags", sorted(msg.tags()));
        m.put("timestamp", time(msg.timestamp()));
        m.put("deliverAt", time(msg.deliverAt()));
        m.put("test", msg.test());
        return m;
    }

    /**
     * {@code withContent} false leaves the response body out (an empty string, as the field is
     * required), and the request and response headers (null).
     */
    static Map<String, Object> attempt(Attempt a, boolean withContent) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("msgId", a.msgId());
        m.put("endpointId", a.endpointId());
        m.put("url", a.url());
        m.put("response", withContent ? a.response() : "");
        m.put("responseStatusCode", a.responseStatusCode());
        m.put("responseDurationMs", a.responseDurationMs());
        m.put("status", a.status());
        m.put("statusText", switch (a.status()) {
            case Attempt.SUCCESS -> "success";
            case Attempt.PENDING -> "pending";
            case Attempt.SENDING -> "sending";
            default -> "fail";
        });
        // Svix knows scheduled (0) and manual (1); a send-example attempt is manual, marked test.
        m.put("triggerType", a.triggerType() == io.herald.delivery.Deliveries.TRIGGER_TEST
                ? io.herald.delivery.Deliveries.TRIGGER_MANUAL : a.triggerType());
        m.put("timestamp", time(a.timestamp()));
        // Herald's additions.
        m.put("attemptNumber", a.attemptNumber());
        m.put("nextAttempt", time(a.nextAttempt()));
        m.put("error", a.error());
        m.put("test", a.triggerType() == io.herald.delivery.Deliveries.TRIGGER_TEST);
        // What was sent and the response's headers: null when not recorded (or left out with the content).
        m.put("requestHeaders", withContent ? a.requestHeaders() : null);
        m.put("requestBody", withContent ? a.requestBody() : null);
        m.put("requestBodyTruncated", withContent && a.requestBodyTruncated());
        m.put("responseHeaders", withContent ? a.responseHeaders() : null);
        return m;
    }

    /** Svix's MessageStatusText of a MessageStatus number. */
    static String statusText(int status) {
        return switch (status) {
            case Attempt.SUCCESS -> "success";
            case Attempt.PENDING -> "pending";
            case Attempt.SENDING -> "sending";
            default -> "fail";
        };
    }

    /** A message as an endpoint's attempted-messages list shows it (Svix's EndpointMessageOut). */
    static Map<String, Object> endpointMessage(LatestDeliveries.MessageStatus s, boolean withContent) {
        Map<String, Object> m = message(s.message(), withContent);
        putStatus(m, s.status());
        return m;
    }

    /** An endpoint as a message's attempted-destinations list shows it (Svix's MessageEndpointOut). */
    static Map<String, Object> messageEndpoint(LatestDeliveries.EndpointStatus s) {
        Map<String, Object> m = endpoint(s.endpoint());
        putStatus(m, s.status());
        return m;
    }

    private static void putStatus(Map<String, Object> m, LatestDeliveries.Status status) {
        m.put("status", status.code());
        m.put("statusText", statusText(status.code()));
        m.put("nextAttempt", time(status.nextAttempt()));
    }

    static Map<String, Object> stats(LatestDeliveries.Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("success", s.success());
        m.put("pending", s.pending());
        m.put("sending", s.sending());
        m.put("fail", s.fail());
        m.put("canceled", s.canceled());
        m.put("health", health(s.health(), s.disabled()));
        return m;
    }

    /** What starting a task answers (Svix's RecoverOut and ReplayOut). */
    static Map<String, Object> taskStarted(BackgroundTask t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("status", t.status().wire());
        m.put("task", t.type().wire());
        m.put("updatedAt", time(t.updatedAt()));
        return m;
    }

    /** Svix's BackgroundTaskOut; {@code data} holds Svix's {@code messagesSent} (queued so far) and Herald's details. */
    static Map<String, Object> task(BackgroundTask t) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("messagesSent", t.messagesQueued());
        data.put("appId", t.appId());
        data.put("endpointId", t.endpointId());
        data.put("since", time(t.since()));
        data.put("until", time(t.until()));
        if (t.error() != null) {
            data.put("error", t.error());
        }
        Map<String, Object> m = taskStarted(t);
        m.put("data", data);
        return m;
    }

    static <T> Map<String, Object> page(Page<T> page, java.util.function.Function<T, Object> item) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", page.data().stream().map(item).toList());
        m.put("iterator", page.iterator());
        m.put("prevIterator", page.prevIterator());
        m.put("done", page.done());
        return m;
    }
}
