package io.herald.attempt;

import io.herald.HeraldException;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.endpoint.Endpoints;
import io.herald.message.MessageQuery;
import io.herald.message.Messages;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Dialect;
import io.herald.store.Store;
import io.herald.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.core.type.TypeReference;

/** The attempt log: written by the dispatcher, read through the API. */
public final class Attempts {
    private static final TypeReference<LinkedHashMap<String, String>> HEADERS = new TypeReference<>() {};
    private static final RowMapper<Attempt> ROW = (rs, ctx) -> new Attempt(
            rs.getString("id"), rs.getString("app_id"), rs.getString("message_id"), rs.getString("endpoint_id"),
            rs.getString("delivery_id"), rs.getInt("attempt_number"), rs.getInt("status"), rs.getInt("trigger_type"),
            rs.getString("url"), rs.getInt("response_status_code"), rs.getString("response"),
            rs.getLong("response_duration_ms"), rs.getString("error"), Rows.instantOrNull(rs, "next_attempt_at"),
            Rows.instant(rs, "created_at"), headers(rs.getString("request_headers")), rs.getString("request_body"),
            rs.getBoolean("request_body_truncated"), rs.getBoolean("request_body_is_payload"),
            headers(rs.getString("response_headers")));

    /** Columns that clear what an attempt kept of the request and the response (see {@link #expungeContent}). */
    public static final String CLEARED_CONTENT = "response = '', request_headers = NULL, request_body = NULL, "
            + "request_body_truncated = FALSE, request_body_is_payload = FALSE, response_headers = NULL";

    /** Columns that clear the request body an attempt kept, or its pointer to the message's payload. */
    public static final String CLEARED_BODY =
            "request_body = NULL, request_body_truncated = FALSE, request_body_is_payload = FALSE";

    private static Map<String, String> headers(String column) {
        return column == null ? null : Collections.unmodifiableMap(Json.MAPPER.readValue(column, HEADERS));
    }

    private static String headersColumn(Map<String, String> headers) {
        return headers == null ? null : storable(Json.writeStrings(headers));
    }

    private final Store store;

    public Attempts(Store store) {
        this.store = store;
    }

    /**
     * Text as both databases store it: PostgreSQL refuses U+0000 in text ({@code invalid byte
     * sequence for encoding "UTF8": 0x00}), so NUL becomes U+FFFD, as invalid UTF-8 already did when
     * the response was decoded.
     */
    static String storable(String s) {
        return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
    }

    /** Every attempt writes one: a kept statement. */
    private static final String INSERT = """
            INSERT INTO attempt (id, app_id, message_id, endpoint_id, delivery_id, attempt_number, status,
                                 trigger_type, url, response_status_code, response, response_duration_ms, error,
                                 next_attempt_at, created_at, request_headers, request_body, request_body_truncated,
                                 request_body_is_payload, response_headers)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /**
     * An attempt as its insert writes it, the columns that take work to make (the headers as JSON,
     * text made storable) made once by {@link #row}. Made by the thread that made the attempt, not
     * by the writer whose transaction every write of the store waits for (on SQLite, one).
     */
    public record Row(Attempt attempt, String response, String error, String requestHeaders, String requestBody,
                      String responseHeaders) {}

    /** {@code a}'s columns, ready for {@link #insertAll}. */
    public static Row row(Attempt a) {
        return new Row(a, storable(a.response()), storable(a.error()), headersColumn(a.requestHeaders()),
                // The payload is in its message already: no second copy of it per attempt.
                a.requestBodyIsPayload() ? null : storable(a.requestBody()), headersColumn(a.responseHeaders()));
    }

    /** Writes {@code rows} in one batch of statements. */
    public static void insertAll(Handle h, List<Row> rows) {
        if (rows.size() == 1) {
            bind(Prepared.on(h, INSERT), rows.getFirst()).update();
            return;
        }
        Prepared batch = Prepared.on(h, INSERT);
        for (Row r : rows) {
            bind(batch, r).add();
        }
        batch.batch();
    }

    private static Prepared bind(Prepared p, Row r) {
        Attempt a = r.attempt();
        return p.set(a.id()).set(a.appId()).set(a.msgId()).set(a.endpointId()).set(a.deliveryId()).set(a.attemptNumber())
                .set(a.status()).set(a.triggerType()).set(a.url()).set(a.responseStatusCode()).set(r.response())
                .set(a.responseDurationMs()).set(r.error())
                .set(a.nextAttempt() == null ? null : a.nextAttempt().toEpochMilli()).set(a.timestamp().toEpochMilli())
                .set(r.requestHeaders()).set(r.requestBody()).set(a.requestBodyTruncated())
                .set(a.requestBodyIsPayload()).set(r.responseHeaders());
    }

    /**
     * {@code attempts} with the bodies that are their messages' payloads read from those messages,
     * in one query; an attempt whose message's payload was expunged or purged since reads with no
     * body (the purge clears the pointer too; this covers a read racing it).
     */
    private static List<Attempt> withPayloadBodies(Handle h, List<Attempt> attempts) {
        List<String> messages = attempts.stream().filter(a -> a.requestBodyIsPayload() && a.requestBody() == null)
                .map(Attempt::msgId).distinct().toList();
        if (messages.isEmpty()) {
            return attempts;
        }
        Map<String, String> payloads = new HashMap<>();
        h.createQuery("SELECT id, payload FROM message WHERE id IN (<ids>) AND expunged_at IS NULL")
                .bindList("ids", messages)
                .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("payload")))
                .forEach(e -> payloads.put(e.getKey(), e.getValue()));
        List<Attempt> out = new ArrayList<>(attempts.size());
        for (Attempt a : attempts) {
            if (!a.requestBodyIsPayload() || a.requestBody() != null) {
                out.add(a);
                continue;
            }
            String body = payloads.get(a.msgId());
            out.add(new Attempt(a.id(), a.appId(), a.msgId(), a.endpointId(), a.deliveryId(), a.attemptNumber(), a.status(),
                    a.triggerType(), a.url(), a.responseStatusCode(), a.response(), a.responseDurationMs(), a.error(),
                    a.nextAttempt(), a.timestamp(), a.requestHeaders(), body, false, body != null, a.responseHeaders()));
        }
        return out;
    }

    /** Attempts made for one endpoint, newest first. */
    public Page<Attempt> byEndpoint(String appIdOrUid, String endpointIdOrUid, AttemptQuery query, PageRequest page) {
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            String ep = Endpoints.find(h, app.id(), endpointIdOrUid).id();
            return list(h, store.dialect(), "SELECT * FROM attempt WHERE app_id = :app AND endpoint_id = :ep", query, page,
                    q -> q.bind("app", app.id()).bind("ep", ep));
        });
    }

    /** Attempts made for any of an application's endpoints, newest first; {@code query.endpointId()} narrows to one. */
    public Page<Attempt> byApplication(String appIdOrUid, AttemptQuery query, PageRequest page) {
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            String ep = query.endpointId() == null ? null : Endpoints.find(h, app.id(), query.endpointId()).id();
            return list(h, store.dialect(), "SELECT * FROM attempt WHERE app_id = :app" + (ep == null ? "" : " AND endpoint_id = :ep"),
                    query, page, q -> {
                        q.bind("app", app.id());
                        if (ep != null) {
                            q.bind("ep", ep);
                        }
                    });
        });
    }

    /** Attempts made for one message, newest first. */
    public Page<Attempt> byMessage(String appIdOrUid, String msgIdOrEventId, AttemptQuery query, PageRequest page) {
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            String msg = Messages.find(h, app.id(), msgIdOrEventId).id();
            String ep = query.endpointId() == null ? null : Endpoints.find(h, app.id(), query.endpointId()).id();
            String sql = "SELECT * FROM attempt WHERE app_id = :app AND message_id = :msg"
                    + (ep == null ? "" : " AND endpoint_id = :ep");
            return list(h, store.dialect(), sql, query, page, q -> {
                q.bind("app", app.id()).bind("msg", msg);
                if (ep != null) {
                    q.bind("ep", ep);
                }
            });
        });
    }

    private static Page<Attempt> list(Handle h, Dialect dialect, String base, AttemptQuery query, PageRequest page,
                                      Consumer<Query> bind) {
        StringBuilder sql = new StringBuilder(base);
        if (query.status() != null) {
            sql.append(" AND status = :status");
        }
        if (query.before() != null) {
            sql.append(" AND created_at < :before");
        }
        if (query.after() != null) {
            sql.append(" AND created_at > :after");
        }
        if (query.statusCodeClass() != null) {
            sql.append(query.statusCodeClass() == 0 ? " AND response_status_code = 0"
                    : " AND response_status_code >= :codeFrom AND response_status_code < :codeTo");
        }
        // Channel, tag and event type are the message's: attempts do not copy them.
        MessageQuery byMessage = new MessageQuery(query.eventTypes(), query.channel(), query.tag(), null, null);
        String messageConditions = byMessage.conditions("", dialect);
        if (!messageConditions.isEmpty()) {
            sql.append(" AND message_id IN (SELECT id FROM message WHERE app_id = :app").append(messageConditions).append(")");
        }
        Page<Attempt> found = Pager.page(h, sql.toString(), page, q -> {
            bind.accept(q);
            if (query.status() != null) {
                q.bind("status", query.status());
            }
            if (query.before() != null) {
                q.bind("before", query.before().toEpochMilli());
            }
            if (query.after() != null) {
                q.bind("after", query.after().toEpochMilli());
            }
            if (query.statusCodeClass() != null && query.statusCodeClass() != 0) {
                q.bind("codeFrom", query.statusCodeClass()).bind("codeTo", query.statusCodeClass() + 100);
            }
            byMessage.bind(q);
        }, ROW, Attempt::id);
        return new Page<>(withPayloadBodies(h, found.data()), found.iterator(), found.prevIterator(), found.done());
    }

    public Attempt get(String appIdOrUid, String msgIdOrEventId, String attemptId) {
        return store.read(h -> find(h, appIdOrUid, msgIdOrEventId, attemptId));
    }

    private static Attempt find(Handle h, String appIdOrUid, String msgIdOrEventId, String attemptId) {
        Application app = Applications.get(h, appIdOrUid);
        String msg = Messages.find(h, app.id(), msgIdOrEventId).id();
        Attempt a = h.createQuery("SELECT * FROM attempt WHERE app_id = :app AND message_id = :msg AND id = :id")
                .bind("app", app.id()).bind("msg", msg).bind("id", attemptId).map(ROW).findOne()
                .orElseThrow(() -> new HeraldException.NotFound("attempt", attemptId));
        return withPayloadBodies(h, List.of(a)).getFirst();
    }

    /**
     * Deletes what an attempt stored of the request and the response (the response body reads as
     * empty, the rest as not recorded); the attempt itself stays.
     */
    public void expungeContent(String appIdOrUid, String msgIdOrEventId, String attemptId) {
        store.inTransaction(h -> h.createUpdate("UPDATE attempt SET " + CLEARED_CONTENT + " WHERE id = :id")
                .bind("id", find(h, appIdOrUid, msgIdOrEventId, attemptId).id()).execute());
    }
}
