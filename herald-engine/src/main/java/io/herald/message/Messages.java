package io.herald.message;

import io.herald.BudgetExceeded;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.TenantWork;
import io.herald.Validate;
import io.herald.app.Application;
import io.herald.app.ApplicationIn;
import io.herald.app.Applications;
import io.herald.delivery.Deliveries;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.Handover;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.eventtype.EventTypes;
import io.herald.filter.PayloadFilter;
import io.herald.operational.OperationalEvents;
import io.herald.metrics.EngineMetrics;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Dialect;
import io.herald.store.Pager;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * Publishing: a message and one delivery per subscribed endpoint, written in one transaction, then
 * handed to the dispatcher so the first attempt starts without waiting for a poll.
 */
public final class Messages {
    /** Largest payload accepted, as serialized JSON. */
    public static final int MAX_PAYLOAD_BYTES = 1024 * 1024;
    /** How far ahead {@code deliverAt} may be: Svix's bound. */
    public static final java.time.Duration MAX_DELIVER_AHEAD = java.time.Duration.ofHours(24);

    private static final RowMapper<Message> ROW = (rs, ctx) -> new Message(
            rs.getString("id"), rs.getString("app_id"), rs.getString("event_type"), rs.getString("event_id"),
            rs.getString("payload"), readSet(rs.getString("channels")), readSet(rs.getString("tags")),
            Rows.instant(rs, "created_at"), rs.getBoolean("test"), Rows.instantOrNull(rs, "deliver_at"));

    /** Reads a row of {@code message}, for queries of other packages that select {@code message.*}. */
    public static RowMapper<Message> rows() {
        return ROW;
    }

    private final Store store;
    private final Ids ids;
    private final Clock clock;
    private final Dispatcher dispatcher;
    private final EventTypes eventTypes;
    private final EngineMetrics metrics;
    private final PublishSnapshots snapshots = new PublishSnapshots();

    public Messages(Store store, Ids ids, Clock clock, Dispatcher dispatcher, EventTypes eventTypes, EngineMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.dispatcher = dispatcher;
        this.eventTypes = eventTypes;
    }

    static Set<String> readSet(String json) {
        return json == null ? null : Set.copyOf(Json.MAPPER.readValue(json, new TypeReference<List<String>>() {}));
    }

    private static String writeSet(Set<String> s) {
        return s == null || s.isEmpty() ? null : Json.write(new ArrayList<>(new TreeSet<>(s)));
    }

    /** Refuses a payload of more than {@link #MAX_PAYLOAD_BYTES} in UTF-8. */
    public static void checkSize(String field, String payload) {
        // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length leaves doubt.
        if (payload.length() > MAX_PAYLOAD_BYTES || (payload.length() * 3L > MAX_PAYLOAD_BYTES
                && payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES)) {
            throw new HeraldException.InvalidInput(field, "is larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
    }

    /** A published message, how many deliveries it queued, and its payload as parsed (for a reply that shows it). */
    public record Published(Message message, int deliveries, JsonNode payload) {}

    public Published create(String appIdOrUid, MessageIn in) {
        return publish(appIdOrUid, in, null, null);
    }

    /**
     * As {@link #create(String, MessageIn)}, with the message's id chosen beforehand ({@code
     * reservedId}, a {@code msg_…} id from {@link Ids}): when a message with that id is stored
     * already (an earlier run of the same request whose answer was lost, see {@link
     * io.herald.idempotency.IdempotencyKeys}), it is that message, and nothing is written again.
     */
    public Published create(String appIdOrUid, MessageIn in, String reservedId) {
        return publish(appIdOrUid, in, null, reservedId);
    }

    /**
     * Delivers an example payload of {@code eventType} to one endpoint, as a message marked test:
     * formatted, signed, retried and logged like any other, whatever the endpoint's filters say.
     * {@code exampleIndex} picks the event type's {@code example} (0) or, after it, one of the
     * {@code examples} of its newest schema.
     */
    public Published sendExample(String appIdOrUid, String endpointIdOrUid, String eventType, int exampleIndex) {
        Validate.eventTypeName("eventType", eventType);
        String example = eventTypes.example(eventType, exampleIndex);
        return publish(appIdOrUid, new MessageIn(eventType, null, example, null, null), endpointIdOrUid, null);
    }

    /**
     * Writes the message and its deliveries: to every subscriber, or to {@code testEndpoint} alone.
     * A message already stored under {@code reservedId} (an earlier run of the same request whose
     * answer was lost) makes its insert fail, or its eventId taken: that message is the answer,
     * once. Looked up only then, so a publish with an idempotency key costs no read more.
     */
    private Published publish(String appIdOrUid, MessageIn in, String testEndpoint, String reservedId) {
        try {
            return write(appIdOrUid, in, testEndpoint, reservedId);
        } catch (HeraldException.Conflict | UnableToExecuteStatementException e) {
            if (reservedId != null) {
                java.util.Optional<Message> done = store.read(h -> byId(h, reservedId));
                if (done.isPresent()) {
                    return new Published(done.get(), 0, in.parsed() != null ? in.parsed() : Json.readStrict(in.payload()));
                }
            }
            throw e;
        }
    }

    private Published write(String appIdOrUid, MessageIn in, String testEndpoint, String reservedId) {
        Validate.eventTypeName("eventType", in.eventType());
        Validate.uid("eventId", in.eventId());
        String payload = in.payload();
        if (payload == null) {
            throw new HeraldException.InvalidInput(in.payloadField(), "is required");
        }
        checkSize(in.payloadField(), payload);
        JsonNode tree;
        try {
            // Parsed once per publish: for the object check, the schema, filters and the reply.
            tree = in.parsed() != null ? in.parsed() : Json.readStrict(payload);
            if (!tree.isObject()) {
                throw new HeraldException.InvalidInput(in.payloadField(), "must be a JSON object");
            }
        } catch (tools.jackson.core.JacksonException e) {
            String duplicate = Json.duplicatePath(e);
            if (duplicate != null) {
                throw new HeraldException.InvalidInput(in.payloadField() + "." + duplicate, "is given more than once");
            }
            throw new HeraldException.InvalidInput(in.payloadField(), "is not valid JSON: " + e.getOriginalMessage());
        }
        Validate.channels("channels", in.channels());
        java.time.Instant received = clock.instant();
        if (in.deliverAt() != null && in.deliverAt().isAfter(received.plus(MAX_DELIVER_AHEAD))) {
            throw new HeraldException.InvalidInput("deliverAt", "may be at most " + MAX_DELIVER_AHEAD.toHours() + " hours ahead");
        }
        // A time already past (clock skew, a slow client) is delivered at once.
        Long deliverAt = in.deliverAt() != null && in.deliverAt().isAfter(received) ? in.deliverAt().toEpochMilli() : null;
        if (in.tags() != null) {
            if (in.tags().size() > 5) {
                throw new HeraldException.InvalidInput("tags", "may hold at most 5 tags");
            }
            int i = 0;
            for (String t : in.tags()) {
                Validate.uid("tags[" + i++ + "]", Validate.required("tags[" + (i - 1) + "]", t));
            }
        }
        boolean test = testEndpoint != null;
        ApplicationIn alongside = in.application() == null ? null : Applications.alongsideMember(appIdOrUid, in.application());
        Set<String> channels = in.channels() == null || in.channels().isEmpty() ? null : Set.copyOf(in.channels());
        // Made before the transaction, so that a commit whose outcome is unknown can be looked up.
        String msgId = reservedId != null ? reservedId : ids.next("msg");
        for (int round = 1; ; round++) {
            // A test message goes to one endpoint, which the snapshot need not hold.
            Plan read = test || round > 1 ? null : fromSnapshot(appIdOrUid, in.eventType(), channels);
            if (read != null) {
                metrics.planned("snapshot");
            } else {
                read = readPlan(appIdOrUid, in, channels, testEndpoint, alongside);
                metrics.planned("read");
            }
            try {
                return written(appIdOrUid, in, read.withTargets(checked(read, in, tree, test)), tree, testEndpoint, msgId,
                        deliverAt, alongside, round < ROUNDS);
            } catch (Stale stale) {
                // Changed since it was read (here or on another node): read again and write again.
                metrics.planned("stale");
                snapshots.forget(appIdOrUid, in.eventType());
            }
        }
    }

    /**
     * Rounds of a publish whose plan was out of date at its insert: the first from the snapshot,
     * the next from a fresh read, both checked; the last checks no version, as a read then a write
     * did before snapshots (a change between the two then is ordered after the publish).
     */
    private static final int ROUNDS = 3;

    /** The insert found a version moved: the plan is out of date and nothing was written. */
    private static final class Stale extends RuntimeException {
        Stale() {
            super("the plan of a publish was out of date", null, false, false);
        }
    }

    /** The plan from what this node keeps (see {@link PublishSnapshots}); null when it keeps too little. */
    private Plan fromSnapshot(String appIdOrUid, String eventType, Set<String> channels) {
        PublishSnapshots.App app = snapshots.app(appIdOrUid);
        PublishSnapshots.Schemas schemas = app == null ? null : snapshots.schemas(eventType);
        if (schemas == null) {
            return null;
        }
        List<Endpoints.Sendable> subscribed = new ArrayList<>();
        for (Endpoints.Sendable s : app.enabled()) {
            if (s.endpoint().subscribesTo(eventType, channels)) {
                subscribed.add(s);
            }
        }
        // The eventId is not looked up: the unique index refuses a taken one at the insert.
        return new Plan(app.app(), channels, subscribed, schemas.enforced(), app.version(), schemas.version());
    }

    /**
     * The plan read from the database, kept as this node's snapshot. Reads first, on a connection
     * of their own: on SQLite they then run beside the one writer, not inside its transaction. The
     * versions are read before the endpoints (two statements, two snapshots on PostgreSQL): a
     * change between them leaves endpoints newer than their version, which the insert then refuses.
     */
    private Plan readPlan(String appIdOrUid, MessageIn in, Set<String> channels, String testEndpoint, ApplicationIn alongside) {
        return store.read(h -> {
            java.util.Optional<Addressed> found = addressed(h, appIdOrUid, in.eventType(), in.eventId());
            if (found.isEmpty() && alongside != null) {
                // Made by the write below, with the message: a new application has no endpoints yet.
                return new Plan(null, channels, List.of(), EventTypes.enforcedSchemas(h, in.eventType()), 0, 0);
            }
            Addressed addressed = found.orElseThrow(() -> new HeraldException.NotFound("application", appIdOrUid));
            Application app = addressed.app();
            if (addressed.eventIdTaken()) {
                throw duplicate(in.eventId());
            }
            List<Endpoints.Sendable> subscribed = new ArrayList<>();
            if (testEndpoint != null) {
                subscribed.add(enabledEndpoint(h, app.id(), testEndpoint));
            } else {
                List<Endpoints.Sendable> enabled = Endpoints.enabledOf(h, app.id());
                snapshots.keep(appIdOrUid, new PublishSnapshots.App(app, addressed.appVersion(), List.copyOf(enabled)));
                for (Endpoints.Sendable s : enabled) {
                    if (s.endpoint().subscribesTo(in.eventType(), channels)) {
                        subscribed.add(s);
                    }
                }
            }
            snapshots.keep(in.eventType(), new PublishSnapshots.Schemas(addressed.catalogVersion(), addressed.enforcedSchemas()));
            return new Plan(app, channels, subscribed, addressed.enforcedSchemas(), addressed.appVersion(), addressed.catalogVersion());
        });
    }

    /**
     * Writes the message and its deliveries as {@code plan} says, then starts them; with {@code
     * checked}, only while the versions the plan was read at are still the database's (else {@link
     * Stale}, nothing written).
     */
    private Published written(String appIdOrUid, MessageIn in, Plan plan, JsonNode tree, String testEndpoint, String msgId,
                              Long deliverAt, ApplicationIn alongside, boolean checked) {
        boolean test = testEndpoint != null;
        String payload = in.payload();
        List<Deliveries.Target> targets = plan.targets().stream()
                .map(s -> Deliveries.Target.of(s.endpoint(), dispatcher.retryDelays())).toList();
        // Scheduled deliveries are not started here: they wait for a claim when due.
        boolean versioned = checked && plan.app() != null;
        String insertSql = (versioned ? CHECKED_INSERT : INSERT).get(store.dialect());
        try (Handover handover = dispatcher.handover(deliverAt == null ? targets.size() : 0)) {
            Written written;
            try {
                written = store.inTransaction(h -> {
                    long now = clock.millis();
                    // Created now unless another request created it since the read above (it then may
                    // have endpoints that this message, planned for none, does not reach).
                    Application app = plan.app() != null ? plan.app()
                            : Applications.find(h, appIdOrUid).orElseGet(() -> Applications.insertOrFind(h, ids, now, alongside).application());
                    Message m = new Message(msgId, app.id(), in.eventType(), in.eventId(), payload,
                            plan.channels(), in.tags() == null || in.tags().isEmpty() ? null : Set.copyOf(in.tags()),
                            java.time.Instant.ofEpochMilli(now), test, deliverAt == null ? null : java.time.Instant.ofEpochMilli(deliverAt));
                    // Written only while the application still exists: a concurrent delete leaves no orphan.
                    Prepared insert = Prepared.on(h, insertSql)
                            .set(m.id()).set(m.appId()).set(m.eventType()).set(m.eventId()).set(payload)
                            .set(writeSet(m.channels())).set(writeSet(m.tags())).set(now).set(test).set(deliverAt)
                            .set(in.payloadRetention() == null ? null : now + in.payloadRetention().toMillis())
                            .set(m.appId());
                    if (versioned) {
                        insert.set(plan.appVersion()).set(plan.catalogVersion());
                    }
                    if (insert.update() == 0) {
                        // Deleted, or (when versioned) changed since the plan was read: the next round tells.
                        throw versioned ? new Stale() : new HeraldException.NotFound("application", appIdOrUid);
                    }
                    int queued = handover.queue(h, ids, m.appId(), m.id(), targets,
                            test ? Deliveries.TRIGGER_TEST : Deliveries.TRIGGER_SCHEDULED, now, deliverAt == null ? now : deliverAt);
                    if (test && queued == 0) {
                        throw new HeraldException.InvalidInput("endpointId", "endpoint " + testEndpoint + " was disabled or deleted");
                    }
                    return new Written(m, queued);
                });
            } catch (UnableToExecuteStatementException e) {
                // Taken: by a publisher that raced past the read's check, or found by the index alone
                // (a plan from the snapshot looks nothing up).
                if (in.eventId() != null && violatesEventIdIndex(e)) {
                    throw duplicate(in.eventId());
                }
                throw e;
            } catch (HeraldException.CommitUnknown unknown) {
                // The connection broke during the commit: the message is stored or not. Often the
                // database is still there (a connection was cut), and one read tells.
                Message stored = committedOrNot(msgId, unknown);
                // Stored, and its deliveries with it (one transaction), leased to this node.
                handover.start(stored, plan.targets());
                metrics.published(1);
                return new Published(stored, targets.size(), tree);
            }
            // Committed: from here on the message survives anything, and nothing fails the publish;
            // starting now only saves a poll.
            handover.start(written.message(), plan.targets());
            metrics.published(1);
            return new Published(written.message(), written.queued(), tree);
        }
    }

    /**
     * After a commit of unknown outcome: the message if it was written; else the publish wrote
     * nothing ({@link HeraldException.StoreUnavailable}, safe to retry); {@code unknown} again when
     * the database cannot be asked.
     */
    private Message committedOrNot(String msgId, HeraldException.CommitUnknown unknown) {
        java.util.Optional<Message> stored;
        try {
            stored = store.read(h -> byId(h, msgId));
        } catch (HeraldException.StoreUnavailable again) {
            unknown.addSuppressed(again);
            throw unknown;
        }
        return stored.orElseThrow(() -> new HeraldException.StoreUnavailable(HeraldException.StoreUnavailable.Reason.UNREACHABLE,
                "the connection to the database broke during the commit, and the message was not stored", unknown));
    }

    /** The message's insert, one text per database made once: kept statements are found by their text. */
    private static final Map<Dialect, String> INSERT = new EnumMap<>(Dialect.class);
    /**
     * {@link #INSERT} while the application's and the catalog's versions are still those given
     * (two more parameters): the plan's snapshot is current, checked in the statement that writes.
     */
    private static final Map<Dialect, String> CHECKED_INSERT = new EnumMap<>(Dialect.class);

    static {
        for (Dialect d : Dialect.values()) {
            String insert = """
                    INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, test, deliver_at,
                                         payload_expires_at)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
                    WHERE EXISTS (SELECT 1 FROM application WHERE id = ? %s %s)""";
            INSERT.put(d, insert.formatted("", d.shareLockClause()));
            CHECKED_INSERT.put(d, insert.formatted("AND config_version = ?", d.shareLockClause())
                    + " AND EXISTS (SELECT 1 FROM catalog_version WHERE version = ?)");
        }
    }

    /**
     * What a publish found before writing: the application (null: to create), the endpoints to
     * deliver to (subscribed ones, then those whose filter passes), the schemas the event type
     * enforces (null: none), and the versions of the application and the catalog they were read at.
     */
    private record Plan(Application app, Set<String> channels, List<Endpoints.Sendable> targets, String schemas,
                        long appVersion, long catalogVersion) {
        Plan withTargets(List<Endpoints.Sendable> passed) {
            return new Plan(app, channels, passed, schemas, appVersion, catalogVersion);
        }
    }

    /**
     * The tenant-written checks of a publish, on {@link TenantWork} and with no connection held:
     * the payload against its event type's schema (throws InvalidInput), then each subscribed
     * endpoint's filter; returns the endpoints that pass. A test message skips the filters.
     */
    private static List<Endpoints.Sendable> checked(Plan plan, MessageIn in, JsonNode tree, boolean test) {
        boolean filters = !test && plan.targets().stream().anyMatch(s -> s.endpoint().policy().filter() != null);
        if (plan.schemas() == null && !filters) {
            return plan.targets();
        }
        try {
            return TenantWork.run("the payload's schema check and filters", TenantWork.DEFAULT_LIMIT, () -> {
                EventTypes.checkPayload(plan.schemas(), in.eventType(), in.payloadField(), tree);
                if (!filters) {
                    return plan.targets();
                }
                // Built once, on the first endpoint with a filter, and shared by all of them.
                PayloadFilter.Subject[] subject = new PayloadFilter.Subject[1];
                java.util.function.Supplier<PayloadFilter.Subject> lazy = () -> subject[0] != null ? subject[0]
                        : (subject[0] = PayloadFilter.subject(in.eventType(), plan.channels(), tree));
                return plan.targets().stream().filter(s -> s.endpoint().passesFilter(lazy)).toList();
            });
        } catch (BudgetExceeded e) {
            throw new HeraldException.InvalidInput(in.payloadField(), "could not be checked: " + e.getMessage());
        }
    }

    /**
     * Sends a message to one endpoint again, as a new manual delivery with its own retries,
     * whatever happened to it before (and even if the endpoint's filters would not select it now).
     */
    public void resend(String appIdOrUid, String msgIdOrEventId, String endpointIdOrUid) {
        try (Handover handover = dispatcher.handover(1)) {
            store.inTransaction(h -> {
                Application app = Applications.get(h, appIdOrUid);
                Message m = find(h, app.id(), msgIdOrEventId);
                if (byId(h, m.id()).isEmpty()) {
                    throw new HeraldException.InvalidInput("msgId", "message " + m.id() + " cannot be resent: its payload was deleted");
                }
                Endpoint ep = enabledEndpoint(h, app.id(), endpointIdOrUid).endpoint();
                long now = clock.millis();
                int queued = handover.queue(h, ids, app.id(), m.id(), List.of(Deliveries.Target.of(ep, dispatcher.retryDelays())),
                        Deliveries.TRIGGER_MANUAL, now, now);
                if (queued == 0) {
                    // Disabled or deleted by another node since the check above.
                    throw new HeraldException.InvalidInput("endpointId", "endpoint " + ep.id() + " was disabled or deleted");
                }
                return null;
            });
            handover.start();
        }
    }

    /** The endpoint a manual or test delivery goes to; a disabled one is refused. */
    private static Endpoints.Sendable enabledEndpoint(Handle h, String appId, String idOrUid) {
        Endpoints.Sendable found = Endpoints.findSendable(h, appId, idOrUid);
        Endpoint ep = found.endpoint();
        if (ep.disabled()) {
            throw new HeraldException.InvalidInput("endpointId", "endpoint " + ep.id() + " is disabled; enable it first");
        }
        return found;
    }

    private record Written(Message message, int queued) {}

    public Message get(String appIdOrUid, String msgIdOrEventId) {
        return store.read(h -> find(h, Applications.get(h, appIdOrUid).id(), msgIdOrEventId));
    }

    /** By id or eventId within one application; throws NotFound. */
    public static Message find(Handle h, String appId, String idOrEventId) {
        return h.createQuery("""
                SELECT * FROM message WHERE app_id = :app AND (id = :k OR event_id = :k)
                ORDER BY CASE WHEN id = :k THEN 0 ELSE 1 END LIMIT 1""")
                .bind("app", appId).bind("k", idOrEventId).map(ROW).findOne()
                .orElseThrow(() -> new HeraldException.NotFound("message", idOrEventId));
    }

    /** By id alone, for the delivery engine; empty when deleted or when its payload was deleted. */
    public static java.util.Optional<Message> byId(Handle h, String id) {
        return Prepared.on(h, BY_ID).set(id).first(ROW);
    }

    private static final String BY_ID = "SELECT * FROM message WHERE id = ? AND expunged_at IS NULL";

    /** Deletes message {@code :id}'s payload at {@code :now}; it reads as {@code {}} from then on. */
    private static final String EXPUNGE =
            "UPDATE message SET payload = '{}', expunged_at = :now, payload_expires_at = NULL WHERE id = :id AND expunged_at IS NULL";

    /**
     * Deletes a message's payload (it reads as {@code {}} from then on) and keeps the record and its
     * attempts. Its deliveries still waiting are given up: an expunged message is never sent again,
     * resent or recovered. A delivery already leased finds the payload gone when it loads it and
     * ends without sending; one whose request is already on the wire completes.
     */
    public void expungeContent(String appIdOrUid, String msgIdOrEventId) {
        store.inTransaction(h -> {
            Message m = find(h, Applications.get(h, appIdOrUid).id(), msgIdOrEventId);
            long now = clock.millis();
            h.createUpdate(EXPUNGE).bind("now", now).bind("id", m.id()).execute();
            // The attempts' copies of what was sent go with it.
            // Attempts.CLEARED_BODY (the attempt package depends on this one, not the other way).
            h.createUpdate("""
                    UPDATE attempt SET request_body = NULL, request_body_truncated = FALSE, request_body_is_payload = FALSE
                    WHERE message_id = :id""")
                    .bind("id", m.id()).execute();
            h.createUpdate("""
                    UPDATE delivery SET status = :failed, next_attempt_at = NULL, version = version + 1, updated_at = :now
                    WHERE message_id = :id AND (status = :held OR (status = :pending AND (locked_until IS NULL OR locked_until < :now)))""")
                    .bind("failed", Deliveries.FAILED).bind("pending", Deliveries.PENDING).bind("held", Deliveries.HELD)
                    .bind("now", now).bind("id", m.id())
                    .execute();
            return null;
        });
    }

    /** Newest first. */
    public Page<Message> list(String appIdOrUid, MessageQuery query, PageRequest page) {
        return store.read(h -> {
            Application app = Applications.get(h, appIdOrUid);
            String sql = "SELECT * FROM message WHERE app_id = :app" + query.conditions("", store.dialect());
            return Pager.page(h, sql, page, q -> {
                q.bind("app", app.id());
                query.bind(q);
            }, ROW, Message::id);
        });
    }

    /**
     * What a publish checks before it plans, read in one statement (one round trip on PostgreSQL
     * instead of three): the application addressed, whether {@code eventId} is taken in it (never
     * when null), and the schemas {@code eventType} enforces (null: none).
     */
    private record Addressed(Application app, boolean eventIdTaken, String enforcedSchemas, long appVersion,
                             long catalogVersion) {}

    /** By id, else by uid, as {@link Applications#find(Handle, String)} (never the reserved application). */
    private static final String ADDRESSED = """
            SELECT a.*,
                   EXISTS (SELECT 1 FROM message m WHERE m.app_id = a.id AND m.event_id = ?) AS event_id_taken,
                   (SELECT schemas FROM event_type WHERE name = ? AND enforce_schema = ?) AS enforced_schemas,
                   (SELECT version FROM catalog_version) AS catalog_version
            FROM application a WHERE (a.id = ? OR a.uid = ?) AND a.id <> ?
            ORDER BY CASE WHEN a.id = ? THEN 0 ELSE 1 END LIMIT 1""";

    private static java.util.Optional<Addressed> addressed(Handle h, String appIdOrUid, String eventType, String eventId) {
        RowMapper<Application> app = Applications.rows();
        return Prepared.on(h, ADDRESSED).set(eventId).set(eventType).set(true).set(appIdOrUid).set(appIdOrUid)
                .set(OperationalEvents.APP_ID).set(appIdOrUid)
                .first((rs, ctx) -> new Addressed(app.map(rs, ctx), rs.getBoolean("event_id_taken"), rs.getString("enforced_schemas"),
                        rs.getLong("config_version"), rs.getLong("catalog_version")));
    }

    /**
     * True when the unique index on (app_id, event_id) refused the message. Only the database's own
     * message counts: jdbi's quotes the failed statement, which names event_id whatever went wrong,
     * and a publisher told "already exists" stops retrying a message that was never stored.
     */
    private static boolean violatesEventIdIndex(UnableToExecuteStatementException e) {
        String m = String.valueOf(e.getCause() == null ? null : e.getCause().getMessage()).toLowerCase(java.util.Locale.ROOT);
        // PostgreSQL names the index, SQLite the columns.
        return m.contains("message_app_event_id") || m.contains("message.event_id");
    }

    private static HeraldException duplicate(String eventId) {
        return new HeraldException.Conflict("eventId", "a message with eventId '" + eventId + "' already exists in this application");
    }
}
