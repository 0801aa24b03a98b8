package io.herald.task;

import io.herald.Json;
import io.herald.endpoint.Endpoint;
import io.herald.filter.PayloadFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;

/**
 * Replay-missing: the messages the endpoint never had a delivery of (it was disabled, filtered
 * them out, or did not exist yet) that its subscription selects now: event types, channels and
 * payload filter, as publish would choose today.
 */
record NeverDelivered() implements Pick {
    @Override
    public List<Chosen> choose(Handle h, Endpoint endpoint, List<Candidate> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        Set<String> had = new HashSet<>(h.createQuery("""
                SELECT DISTINCT message_id FROM delivery WHERE message_id IN (<ids>) AND endpoint_id = :ep""")
                .bindList("ids", batch.stream().map(Candidate::id).toList()).bind("ep", endpoint.id())
                .mapTo(String.class).list());
        List<Chosen> chosen = new ArrayList<>();
        for (Candidate c : batch) {
            if (!had.contains(c.id()) && endpoint.subscribesTo(c.eventType(), c.channels())
                    && endpoint.passesFilter(() -> PayloadFilter.subject(c.eventType(), c.channels(), payload(h, c.id())))) {
                chosen.add(new Chosen(c, null));
            }
        }
        return chosen;
    }

    /** Read one at a time, and only for an endpoint with a payload filter: payloads may be large. */
    private static JsonNode payload(Handle h, String messageId) {
        return Json.read(h.createQuery("SELECT payload FROM message WHERE id = :id").bind("id", messageId)
                .mapTo(String.class).one());
    }
}
