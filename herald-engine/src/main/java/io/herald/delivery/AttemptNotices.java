package io.herald.delivery;

import io.herald.attempt.Attempt;
import io.herald.operational.OperationalEvents;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The operational events that recorded attempts cause, written in the recording transaction:
 * {@code message.attempt.exhausted} when a delivery fails for good at the end of its schedule,
 * {@code message.attempt.failing} on its {@value OperationalEvents#FAILING_AT_ATTEMPT}th failed
 * attempt when more are to come (as Svix sends it), and {@code message.attempt.recovered} when it
 * then succeeds, if that failing notice was written. Nothing is told about the reserved
 * application's own deliveries, nor about a record whose lease was lost (the other node's counts).
 */
final class AttemptNotices {
    private AttemptNotices() {}

    /** {@code kept[i]}: whether {@code entries[i]}'s delivery was still this node's when recorded. */
    static void tell(Handle h, OperationalEvents events, List<OutcomeRecorder.Entry> entries, boolean[] kept) {
        for (int i = 0; i < entries.size(); i++) {
            OutcomeRecorder.Entry e = entries.get(i);
            if (!kept[i] || OperationalEvents.isInternal(e.claim().appId())) {
                continue;
            }
            Attempt a = e.attempt();
            long now = e.finishedAt().toEpochMilli();
            switch (e.outcome().kind()) {
                case EXHAUSTED -> events.emit(h, OperationalEvents.ATTEMPT_EXHAUSTED, null, () -> data(h, e), now);
                case RETRY -> {
                    if (a.attemptNumber() == OperationalEvents.FAILING_AT_ATTEMPT) {
                        events.emit(h, OperationalEvents.ATTEMPT_FAILING, failingId(e), () -> data(h, e), now);
                    }
                }
                case SUCCEEDED -> {
                    if (a.attemptNumber() > OperationalEvents.FAILING_AT_ATTEMPT && OperationalEvents.emitted(h, failingId(e))) {
                        events.emit(h, OperationalEvents.ATTEMPT_RECOVERED, null, () -> data(h, e), now);
                    }
                }
                case GONE -> {
                    // Told as endpoint.disabled by Endpoints.disable.
                }
            }
        }
    }

    /** The failing notice of one delivery: written at most once, and what a recovery looks for. */
    private static String failingId(OutcomeRecorder.Entry e) {
        return "failing-" + e.claim().id();
    }

    /** Svix's MessageAttempt…EventData; the application's uid and the message's event id are read here. */
    private static Map<String, Object> data(Handle h, OutcomeRecorder.Entry e) {
        Attempt a = e.attempt();
        String[] appUidAndEventId = h.createQuery("""
                        SELECT a.uid, m.event_id FROM message m JOIN application a ON a.id = m.app_id WHERE m.id = :id""")
                .bind("id", e.claim().messageId())
                .map((rs, ctx) -> new String[] {rs.getString("uid"), rs.getString("event_id")})
                .findOne().orElse(new String[2]);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("appId", e.claim().appId());
        m.put("appUid", appUidAndEventId[0]);
        m.put("msgId", e.claim().messageId());
        m.put("msgEventId", appUidAndEventId[1]);
        m.put("endpointId", e.claim().endpointId());
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("id", a.id());
        last.put("responseStatusCode", a.responseStatusCode());
        last.put("timestamp", a.timestamp().toString());
        m.put("lastAttempt", last);
        return m;
    }
}
