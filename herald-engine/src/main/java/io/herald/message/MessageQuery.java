package io.herald.message;

import io.herald.store.Dialect;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.statement.Query;

/** Filters of the message list; null means no filter. */
public record MessageQuery(Set<String> eventTypes, String channel, String tag, Instant before, Instant after) {
    public static final MessageQuery ALL = new MessageQuery(null, null, null, null, null);

    public MessageQuery {
        eventTypes = eventTypes == null || eventTypes.isEmpty() ? null : Set.copyOf(eventTypes);
    }

    /**
     * The conditions of this query on the message columns ({@code column} prefixes each, e.g.
     * {@code "m."}), each starting with {@code AND}; {@link #bind} binds what they name.
     */
    public String conditions(String column, Dialect dialect) {
        StringBuilder sql = new StringBuilder();
        if (eventTypes != null) {
            sql.append(" AND ").append(column).append("event_type IN (<msgTypes>)");
        }
        // Channels and tags are stored as JSON lists of names of [a-zA-Z0-9-_.:], so a name in
        // quotes is found exactly, without LIKE's wildcards or SQLite's case-blind LIKE.
        if (channel != null) {
            sql.append(" AND ").append(dialect.contains(column + "channels", "msgChannel"));
        }
        if (tag != null) {
            sql.append(" AND ").append(dialect.contains(column + "tags", "msgTag"));
        }
        if (before != null) {
            sql.append(" AND ").append(column).append("created_at < :msgBefore");
        }
        if (after != null) {
            sql.append(" AND ").append(column).append("created_at > :msgAfter");
        }
        return sql.toString();
    }

    public void bind(Query q) {
        if (eventTypes != null) {
            q.bindList("msgTypes", List.copyOf(eventTypes));
        }
        if (channel != null) {
            q.bind("msgChannel", "\"" + channel + "\"");
        }
        if (tag != null) {
            q.bind("msgTag", "\"" + tag + "\"");
        }
        if (before != null) {
            q.bind("msgBefore", before.toEpochMilli());
        }
        if (after != null) {
            q.bind("msgAfter", after.toEpochMilli());
        }
    }
}
