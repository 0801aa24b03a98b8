package io.herald.delivery;

import io.herald.HeraldException;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.attempt.Attempt;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.endpoint.Health;
import io.herald.message.Message;
import io.herald.message.MessageQuery;
import io.herald.message.Messages;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Where messages stand with endpoints: the latest delivery of each (message, endpoint) pair, in
 * Svix's status numbers, for the attempted-messages and attempted-destinations lists; and an
 * endpoint's delivery counts. "Latest" is the greatest delivery id (ids sort by their millisecond).
 */
public final class LatestDeliveries {
    /**
     * A condition that keeps, among deliveries {@code d}, only the latest of its (message,
     * endpoint) pair: " AND NOT EXISTS (…)", to append to a WHERE.
     */
    public static final String LATEST = " AND NOT EXISTS (SELECT 1 FROM delivery later WHERE later.message_id = d.message_id"
            + " AND later.endpoint_id = d.endpoint_id AND later.id > d.id)";
    private static final String STATE_COLUMNS =
            "d.status AS delivery_status, d.next_attempt_at AS delivery_next, d.locked_until AS delivery_lease";

    /**
     * A pair's state: {@code code} is Svix's MessageStatus (0 success, 1 pending, 2 fail, 3 sending:
     * pending and held by a node's live lease); {@code nextAttempt} is when a pending one is due.
     */
    public record Status(int code, Instant nextAttempt) {}

    public record MessageStatus(Message message, Status status) {}

    public record EndpointStatus(Endpoint endpoint, Status status) {}

    /**
     * Counts of an endpoint's deliveries. Herald cancels nothing (a delivery whose endpoint was
     * disabled before its attempt fails, and recover can queue it again), so {@code canceled} is 0.
     */
    /** Counts of an endpoint's deliveries, and its {@code health} ({@code disabled} says how to read it). */
    public record Stats(long success, long fail, long pending, long sending, long canceled, Health health, boolean disabled) {}

    /** Svix's MessageStatus for a canceled delivery: valid in a filter, never Herald's state (see {@link Stats}). */
    public static final int CANCELED = 4;

    private final Store store;
    private final Clock clock;

    public LatestDeliveries(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Counts over the endpoint's deliveries created in [since, until); either bound null for none. */
    public Stats stats(String appIdOrUid, String endpointIdOrUid, Instant since, Instant until) {
        checkWindow(since, until);
        long now = clock.millis();
        return store.read(h -> {
            Endpoint ep = Endpoints.find(h, Applications.get(h, appIdOrUid).id(), endpointIdOrUid);
            StringBuilder sql = new StringBuilder("""
                    SELECT COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0) AS success,
                           COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS fail,
                           COALESCE(SUM(CASE WHEN status = 'held' OR (status = 'pending'
                                                 AND (locked_until IS NULL OR locked_until < :now))
                                        THEN 1 ELSE 0 END), 0) AS pending,
                           COALESCE(SUM(CASE WHEN status = 'pending' AND locked_until >= :now THEN 1 ELSE 0 END), 0) AS sending
                    FROM delivery WHERE endpoint_id = :ep""");
            if (since != null) {
                // A delivery's id is made after its created_at is read: the id bound only narrows the index range.
                sql.append(" AND id > :fromId AND created_at >= :since");
            }
            if (until != null) {
                sql.append(" AND created_at < :until");
            }
            Query q = h.createQuery(sql.toString()).bind("ep", ep.id()).bind("now", now);
            if (since != null) {
                q.bind("fromId", Ids.lastAt("dlv", since.toEpochMilli() - 1)).bind("since", since.toEpochMilli());
            }
            if (until != null) {
                q.bind("until", until.toEpochMilli());
            }
            return q.map((rs, ctx) -> new Stats(rs.getLong("success"), rs.getLong("fail"), rs.getLong("pending"),
                    rs.getLong("sending"), 0, ep.health(), ep.disabled())).one();
        });
    }

    /**
     * The messages delivered (or being delivered) to one endpoint, each with its latest delivery's
     * state, newest message first unless the request says otherwise. {@code status} null for all.
     */
    public Page<MessageStatus> messages(String appIdOrUid, String endpointIdOrUid, MessageQuery query, Integer status,
                                        PageRequest page) {
        checkStatus(status);
        long now = clock.millis();
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            Endpoint ep = Endpoints.find(h, app.id(), endpointIdOrUid);
            StringBuilder sql = new StringBuilder("SELECT m.*, " + STATE_COLUMNS + """
                     FROM message m JOIN delivery d ON d.message_id = m.id
                    WHERE m.app_id = :app AND d.endpoint_id = :ep""").append(LATEST);
            sql.append(query.conditions("m.", store.dialect()));
            sql.append(statusCondition(status));
            RowMapper<Message> message = Messages.rows();
            return Pager.page(h, sql.toString(), "m.id", page, q -> {
                q.bind("app", app.id()).bind("ep", ep.id()).bind("now", now);
                query.bind(q);
            }, (rs, ctx) -> new MessageStatus(message.map(rs, ctx), status(rs, now)), s -> s.message().id());
        });
    }

    /** The endpoints one message was delivered (or is being delivered) to, each with its latest delivery's state. */
    public Page<EndpointStatus> endpoints(String appIdOrUid, String msgIdOrEventId, PageRequest page) {
        long now = clock.millis();
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            Message msg = Messages.find(h, app.id(), msgIdOrEventId);
            String sql = "SELECT e.*, " + STATE_COLUMNS + """
                     FROM endpoint e JOIN delivery d ON d.endpoint_id = e.id
                    WHERE e.app_id = :app AND d.message_id = :msg""" + LATEST;
            RowMapper<Endpoint> endpoint = Endpoints.rows();
            return Pager.page(h, sql, "e.id", page, q -> q.bind("app", app.id()).bind("msg", msg.id()),
                    (rs, ctx) -> new EndpointStatus(endpoint.map(rs, ctx), status(rs, now)), s -> s.endpoint().id());
        });
    }

    private static String statusCondition(Integer status) {
        if (status == null) {
            return "";
        }
        return switch (status) {
            case Attempt.SUCCESS -> " AND d.status = 'succeeded'";
            case Attempt.FAIL -> " AND d.status = 'failed'";
            case Attempt.PENDING -> " AND (d.status = 'held' OR (d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < :now)))";
            case CANCELED -> " AND 1 = 0";
            default -> " AND d.status = 'pending' AND d.locked_until >= :now";
        };
    }

    private static Status status(ResultSet rs, long now) throws SQLException {
        String s = rs.getString("delivery_status");
        Instant lease = Rows.instantOrNull(rs, "delivery_lease");
        return switch (s) {
            case Deliveries.SUCCEEDED -> new Status(Attempt.SUCCESS, null);
            case Deliveries.FAILED -> new Status(Attempt.FAIL, null);
            default -> lease != null && lease.toEpochMilli() >= now ? new Status(Attempt.SENDING, null)
                    : new Status(Attempt.PENDING, Rows.instantOrNull(rs, "delivery_next"));
        };
    }

    private static void checkStatus(Integer status) {
        if (status != null && (status < Attempt.SUCCESS || status > CANCELED)) {
            throw new HeraldException.InvalidInput("status", "must be 0 (success), 1 (pending), 2 (fail), 3 (sending) or 4 (canceled)");
        }
    }

    private static void checkWindow(Instant since, Instant until) {
        if (since != null && until != null && since.isAfter(until)) {
            throw new HeraldException.InvalidInput("since", "must not be after until");
        }
    }
}
