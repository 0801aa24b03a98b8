package io.herald.task;

import io.herald.Json;
import io.herald.store.Ids;
import io.herald.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * A message in a task's window, as far as choosing and queuing need it: the payload is read only
 * when a filter asks. {@code deliverAt} is when a scheduled message is first due, else null.
 */
record Candidate(String id, String eventType, Set<String> channels, Long deliverAt) {
    private static final RowMapper<Candidate> ROW = (rs, ctx) -> {
        String channels = rs.getString("channels");
        Instant deliverAt = Rows.instantOrNull(rs, "deliver_at");
        return new Candidate(rs.getString("id"), rs.getString("event_type"),
                channels == null ? null : Set.of(Json.read(channels, String[].class)),
                deliverAt == null ? null : deliverAt.toEpochMilli());
    };

    /**
     * The next {@code limit} messages of the task's window after {@code afterId}, in id order.
     * Messages made by send-example are not in any window: they were for one endpoint, once; nor
     * are those whose payload was deleted, which are never sent again.
     */
    static List<Candidate> next(Handle h, BackgroundTask t, String afterId, int limit) {
        return h.createQuery("""
                SELECT id, event_type, channels, deliver_at FROM message
                WHERE app_id = :app AND id > :after AND id <= :last
                  AND created_at >= :since AND created_at < :until AND test = :no
                  AND expunged_at IS NULL
                ORDER BY id
                LIMIT :limit""")
                .bind("app", t.appId()).bind("after", afterId)
                // Ids sort by time: this bounds the scan of the last batch at the window's end.
                .bind("last", Ids.lastAt("msg", t.until().toEpochMilli()))
                .bind("since", t.since().toEpochMilli())
                .bind("until", t.until().toEpochMilli()).bind("no", false).bind("limit", limit)
                .map(ROW).list();
    }
}
