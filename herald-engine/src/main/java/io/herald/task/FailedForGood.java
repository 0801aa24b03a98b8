package io.herald.task;

import io.herald.delivery.LatestDeliveries;
import io.herald.endpoint.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * Recover: the messages whose latest delivery to the endpoint failed for good. One that a later
 * delivery (a resend, an earlier recover) got through, or that is still pending, is left alone.
 * "Latest" is the greatest delivery id; ids sort by their millisecond, so of two deliveries of one
 * message to one endpoint queued in the same millisecond either may count as the latest.
 */
record FailedForGood() implements Pick {
    @Override
    public List<Chosen> choose(Handle h, Endpoint endpoint, List<Candidate> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        // Message id -> its latest delivery to the endpoint, which failed.
        Map<String, String> failed = h.createQuery("""
                SELECT d.message_id, d.id FROM delivery d
                WHERE d.message_id IN (<ids>) AND d.endpoint_id = :ep AND d.status = 'failed'""" + LatestDeliveries.LATEST)
                .bindList("ids", batch.stream().map(Candidate::id).toList()).bind("ep", endpoint.id())
                .map((rs, ctx) -> Map.entry(rs.getString("message_id"), rs.getString("id")))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return batch.stream().filter(c -> failed.containsKey(c.id())).map(c -> new Chosen(c, failed.get(c.id()))).toList();
    }
}
