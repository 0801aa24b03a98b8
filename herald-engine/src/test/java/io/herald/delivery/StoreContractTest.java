package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.app.ApplicationIn;
import io.herald.attempt.Attempt;
import io.herald.attempt.AttemptQuery;
import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.CustomHeaders;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.EndpointIn;
import io.herald.endpoint.Health;
import io.herald.eventtype.EventTypeIn;
import io.herald.message.Message;
import io.herald.message.MessageIn;
import io.herald.message.MessageQuery;
import io.herald.message.Messages.Published;
import io.herald.metrics.ServerOverview;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.testing.InterruptedDelete;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Received;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The contract of the store and the delivery engine, run against every database Herald supports:
 * one subclass per database, as db-scheduler's {@code CompatibilityTest}. Each test gets a fresh
 * database, a test clock and real HTTP receivers on loopback. The poller is off, so deliveries run
 * only when a test calls {@code runDueOnce()} (or at once, when publish writes them leased to its
 * node); time passes only when a test moves the clock.
 *
 * <p>Tests with two nodes run both on one database. On SQLite that means two Stores on one file,
 * which Herald never does in production (one process per file); their writes are then kept apart
 * by SQLite's file lock instead of one Store's writer thread, which makes those tests stricter, not moot.
 */
abstract class StoreContractTest {
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** DispatcherSettings demands at least twice (timeout + 5 s). */
    static final Duration LEASE = Duration.ofSeconds(30);
    static final int MAX_IN_MEMORY = DispatcherSettings.DEFAULT_MAX_IN_MEMORY;
    static final DispatcherSettings SETTINGS = new DispatcherSettings(LEASE, Duration.ZERO, MAX_IN_MEMORY,
            DispatcherSettings.DEFAULT_PER_ENDPOINT, TIMEOUT, Duration.ofSeconds(5));

    final SettableClock clock = SettableClock.atNow();
    /**
     * One source for every node of a test: Random is thread-safe, and two nodes seeded alike would
     * mint the same ids in the same (frozen) millisecond.
     */
    final Random random = new Random(20_251_123);
    final LoopbackReceiver receiver = new LoopbackReceiver();
    private final List<Herald> running = new ArrayList<>();
    String url;
    /** The test's own connection to the database, as an operator would look at it. */
    Jdbi db;
    Herald node;
    String app;

    /** A fresh database for one test, with no data in it; returns its JDBC URL. */
    abstract String createDatabase();

    /** Removes what {@link #createDatabase} made; called after every node is closed. */
    abstract void dropDatabase();

    /** True when only one process may use the database, so a start drops leases left by one that died. */
    abstract boolean singleProcess();

    /**
     * Makes the database refuse {@code event} (INSERT, UPDATE) on rows of {@code table} for which
     * {@code when}, a condition over NEW and OLD, holds: a real failure of a real statement,
     * under the trigger {@code name}.
     */
    abstract void refuse(String name, String event, String table, String when);

    /** Drops what {@link #refuse} made. */
    abstract void allow(String name);

    /** Returns once a writer of another connection waits for a lock the test's transaction holds. */
    abstract void awaitWriterBlocked();

    @BeforeEach
    void startNode() {
        url = createDatabase();
        node = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        db = Jdbi.create(url);
        app = node.applications().create(new ApplicationIn("contract", "contract", null, null), false)
                .application().id();
    }

    @AfterEach
    void stopAll() {
        receiver.close();
        List<Herald> nodes = new ArrayList<>(running);
        Collections.reverse(nodes);
        nodes.forEach(this::stop);
        dropDatabase();
    }

    // --- publish ---------------------------------------------------------------------------------

    @Test
    void publish_toTypeAndChannelFilters_queuesOneDeliveryPerSubscribedEndpoint() {
        Endpoint exact = endpoint("/exact", Set.of("invoice.paid"), null, false);
        Endpoint star = endpoint("/star", Set.of("*"), null, false);
        Endpoint prefix = endpoint("/prefix", Set.of("scan.*"), null, false);
        Endpoint global = endpoint("/global", null, null, false);
        Endpoint eu = endpoint("/eu", null, Set.of("eu"), false);
        Endpoint euPaid = endpoint("/eu-paid", Set.of("invoice.paid"), Set.of("eu"), false);
        endpoint("/disabled", null, null, true);

        Published scan = publish(message("scan.finished", null));
        Published scanner = publish(message("scanner.started", null));
        Published paidEu = publish(message("invoice.paid", null, "eu", "us"));
        Published paidUs = publish(message("invoice.paid", null, "us"));
        awaitIdle(node);

        assertThat(queuedFor(scan)).containsExactlyInAnyOrder(star.id(), prefix.id(), global.id());
        // "scan.*" is a prefix of dotted names, not of strings: "scanner.started" is not under it.
        assertThat(queuedFor(scanner)).containsExactlyInAnyOrder(star.id(), global.id());
        assertThat(queuedFor(paidEu)).containsExactlyInAnyOrder(exact.id(), star.id(), global.id(), eu.id(), euPaid.id());
        assertThat(queuedFor(paidUs)).containsExactlyInAnyOrder(exact.id(), star.id(), global.id());
        assertThat(List.of(scan, scanner, paidEu, paidUs)).extracting(Published::deliveries).containsExactly(3, 2, 5, 3);
        assertThat(receiver.received("/disabled")).isEmpty();
        assertThat(receiver.received()).hasSize(13);
    }

    @Test
    void publish_whenWritingItsDeliveriesFails_leavesNoMessageBehind() {
        endpoint("/a");
        // The message row is written first; the delivery rows then fail to write.
        withTableMissing("delivery", () -> assertThatThrownBy(() -> node.messages().create(app, message("invoice.paid", "evt-1")))
                .isNotInstanceOf(HeraldException.Conflict.class));

        assertThat(count("SELECT COUNT(*) FROM message")).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
        assertThat(node.dispatcher().held()).as("room reserved for the rows is given back").isZero();
        assertThat(publish(message("invoice.paid", "evt-1")).deliveries()).isEqualTo(1);
    }

    @Test
    void publish_withAReservedIdAlreadyStored_isThatMessage_andWritesNothingAgain() {
        endpoint("/a");
        String reserved = "msg_" + "0".repeat(22).substring(0, 4) + "reservedByAKey123456";
        Published first = node.messages().create(app, message("invoice.paid", null), reserved);
        // The same request again (its first answer was lost): the stored message, no second delivery.
        Published again = node.messages().create(app, message("invoice.paid", null), reserved);

        assertThat(first.message().id()).isEqualTo(reserved);
        assertThat(again.message().id()).isEqualTo(reserved);
        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery")).isEqualTo(1);

        // With an eventId too, the retry meets the eventId taken first: still that message, not a 409.
        String withEvent = reserved.replace("reserved", "withEvent");
        node.messages().create(app, message("invoice.paid", "evt-r"), withEvent);
        assertThat(node.messages().create(app, message("invoice.paid", "evt-r"), withEvent).message().id()).isEqualTo(withEvent);
        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(2);
    }

    @Test
    void publish_withAnEventIdAlreadyPublished_isConflictAndWritesNothing() {
        endpoint("/a");
        publish(message("invoice.paid", "evt-1"));
        awaitIdle(node);

        assertThatThrownBy(() -> node.messages().create(app, message("invoice.paid", "evt-1")))
                .isInstanceOf(HeraldException.Conflict.class);

        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery")).isEqualTo(1);
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void publish_ofAPayloadAgainstTheSchemaItsTypeEnforces_isRefused_andOtherTypesAndMatchingPayloadsAreNot() {
        endpoint("/a");
        JsonNode schemas = Json.read("""
                {"1": {"type": "object", "required": ["order"], "properties": {"order": {"type": "integer"}}}}""");
        node.eventTypes().create(new EventTypeIn("invoice.paid", "paid", schemas, null, null, null, null, null, true));
        node.eventTypes().create(new EventTypeIn("invoice.sent", "sent", schemas, null, null, null, null, null, false));

        assertThatThrownBy(() -> node.messages().create(app, new MessageIn("invoice.paid", "evt-1", "{\"order\": \"one\"}", null, null)))
                .isInstanceOf(HeraldException.InvalidInput.class).hasMessageContaining("does not match the schema");
        assertThat(publish(new MessageIn("invoice.sent", "evt-1", "{\"order\": \"one\"}", null, null)).deliveries()).isEqualTo(1);
        assertThat(publish(message("invoice.paid", "evt-2")).deliveries()).isEqualTo(1);
        assertThatThrownBy(() -> node.messages().create(app, message("invoice.paid", "evt-2")))
                .as("the event id is checked before the schema").isInstanceOf(HeraldException.Conflict.class);
        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(2);
    }

    // --- publish from a snapshot -------------------------------------------------------------------

    @Test
    void publish_afterAnotherNodeChangesTheEndpoints_followsEachChangeAtOnce_readingOnlyAfterAChange() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Herald publisher = Herald.start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS), clock, random, meters);
        running.add(publisher);
        Herald other = node;
        Endpoint a = endpoint("/a");
        java.util.function.Function<String, Double> plans = source -> {
            io.micrometer.core.instrument.Counter c = meters.find("herald.publish.plans").tag("source", source).counter();
            return c == null ? 0 : c.count();
        };
        java.util.function.IntSupplier publishOne = () -> publisher.messages().create(app, message("invoice.paid", null)).deliveries();

        assertThat(publishOne.getAsInt()).isEqualTo(1);
        assertThat(publishOne.getAsInt()).isEqualTo(1);
        assertThat(plans.apply("read")).as("the first publish reads").isEqualTo(1);
        assertThat(plans.apply("snapshot")).as("the second reads nothing").isEqualTo(1);

        Endpoint b = other.endpoints().create(app, new EndpointIn(receiver.url("/b"), null, null, null, null, null, null,
                false, null, null, null));
        assertThat(publishOne.getAsInt()).as("an endpoint added on another node").isEqualTo(2);
        assertThat(plans.apply("stale")).isEqualTo(1);

        other.endpoints().update(app, a.id(), new EndpointIn(receiver.url("/a"), null, null, null, null, null, null,
                true, null, null, null));
        assertThat(publishOne.getAsInt()).as("an endpoint disabled on another node").isEqualTo(1);

        other.endpoints().update(app, b.id(), new EndpointIn(receiver.url("/c"), null, null, null, null, null, null,
                false, null, null, null));
        String toC = publisher.messages().create(app, message("invoice.paid", null)).message().id();
        receiver.await("/c", 1, Duration.ofSeconds(5));
        assertThat(webhookIds("/c")).as("a URL changed on another node").containsExactly(toC);

        other.endpoints().update(app, b.id(), new EndpointIn(receiver.url("/c"), null, null, null, null, Set.of("other.type"),
                null, false, null, null, null));
        assertThat(publishOne.getAsInt()).as("a subscription changed on another node").isZero();

        other.endpoints().delete(app, b.id());
        other.endpoints().update(app, a.id(), new EndpointIn(receiver.url("/a"), null, null, null, null, null, null,
                false, null, null, null));
        assertThat(publishOne.getAsInt()).as("deleted and enabled again on another node").isEqualTo(1);
        assertThat(plans.apply("stale")).isEqualTo(5);
        assertThat(plans.apply("snapshot") + plans.apply("read")).isEqualTo(7 + 5);
        awaitIdle(publisher);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE endpoint_id = '" + a.id() + "'")).isEqualTo(4);
    }

    @Test
    void publish_afterAnotherNodeMakesItsTypeEnforceASchema_checksThePayloadAgainstIt() {
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        endpoint("/a");
        MessageIn wrong = new MessageIn("invoice.paid", null, "{\"order\": \"one\"}", null, null);
        assertThat(publish(wrong).deliveries()).isEqualTo(1);
        assertThat(publish(wrong).deliveries()).as("from the snapshot").isEqualTo(1);

        JsonNode schemas = Json.read("""
                {"1": {"type": "object", "required": ["order"], "properties": {"order": {"type": "integer"}}}}""");
        other.eventTypes().create(new EventTypeIn("invoice.paid", "paid", schemas, null, null, null, null, null, true));

        assertThatThrownBy(() -> publish(wrong)).isInstanceOf(HeraldException.InvalidInput.class)
                .hasMessageContaining("does not match the schema");
        assertThat(publish(message("invoice.paid", null)).deliveries()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(3);
    }

    @Test
    void publish_toAnEndpointWhoseCircuitOpenedSinceTheSnapshot_startsNothing_andAfterItClosesStartsAgain() {
        endpoint("/a");
        publish(message("invoice.paid", null));
        receiver.await("/a", 1, Duration.ofSeconds(5));
        awaitIdle(node);
        // As the breaker opens a circuit: the endpoint's health, written with an attempt's record.
        db.useHandle(h -> h.execute("UPDATE endpoint SET failures = 5, circuit_until = ?", clock.millis() + 60_000));

        Published held = publish(message("invoice.paid", null));

        assertThat(held.deliveries()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE message_id = '" + held.message().id()
                + "' AND locked_by IS NULL")).as("left to a claim, which holds it").isEqualTo(1);
        assertThat(node.dispatcher().held()).isZero();

        db.useHandle(h -> h.execute("UPDATE endpoint SET failures = 0, circuit_until = NULL"));
        Published started = publish(message("invoice.paid", null));
        receiver.await(r -> r.path().equals("/a") && started.message().id().equals(r.header("webhook-id")), 1, Duration.ofSeconds(5));
    }

    @Test
    void eventIdIndex_servesTheLookupsByEventId_andMessagesWithoutOneNeedNoEntry() {
        endpoint("/a");
        publish(message("invoice.paid", null));
        publish(message("invoice.paid", "evt-1"));
        boolean postgres = node.store().dialect() == io.herald.store.Dialect.POSTGRESQL;
        List<String> plans = new ArrayList<>();
        db.useHandle(h -> {
            if (postgres) {
                h.execute("SET enable_seqscan = off"); // a table this small would be scanned
            }
            for (String lookup : List.of("SELECT 1 FROM message WHERE app_id = ? AND event_id = ?",
                    "SELECT * FROM message WHERE app_id = ? AND (id = ? OR event_id = ?)")) {
                String explain = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + lookup;
                var q = h.createQuery(explain).bind(0, app).bind(1, "evt-1");
                if (lookup.contains("OR")) {
                    q.bind(2, "evt-1");
                }
                plans.add(String.join("\n", q.map((rs, ctx) -> rs.getString(postgres ? 1 : 4)).list()));
            }
            if (postgres) {
                h.execute("RESET enable_seqscan");
            }
        });
        assertThat(plans.get(0)).contains("message_app_event_id");
        if (!postgres) {
            // PostgreSQL picks its plan for this one by the data's size, which a test's few rows do not tell.
            assertThat(plans.get(1)).contains("message_app_event_id");
        }
        assertThatThrownBy(() -> publish(message("invoice.paid", "evt-1"))).isInstanceOf(HeraldException.Conflict.class);
        assertThat(publish(message("invoice.paid", null)).deliveries()).as("no eventId twice is fine").isEqualTo(1);
    }

    @Test
    void endpointColumns_areEachConfigurationThatMovesTheVersion_orHealthThatDoesNot() throws SQLException {
        // Health and FIFO turn: written with attempts' records; the circuit's opening and closing alone moves the version.
        Set<String> health = Set.of("failures", "failing_since", "last_success_at", "last_failure_at", "last_error",
                "circuit_until", "probes", "holding", "fifo_active");
        Set<String> columns = new java.util.TreeSet<>();
        Set<String> moving = new java.util.TreeSet<>();
        db.useHandle(h -> {
            try (ResultSet rs = h.getConnection().getMetaData().getColumns(null, null, "endpoint", null)) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
                }
            }
            if (node.store().dialect() == io.herald.store.Dialect.POSTGRESQL) {
                moving.addAll(h.createQuery("""
                        SELECT event_object_column FROM information_schema.triggered_update_columns
                        WHERE trigger_name = 'endpoint_changed'""").mapTo(String.class).list());
            } else {
                String sql = h.createQuery("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'endpoint_changed'")
                        .mapTo(String.class).one();
                String list = sql.substring(sql.indexOf("UPDATE OF") + "UPDATE OF".length(), sql.indexOf("ON endpoint"));
                for (String c : list.split(",")) {
                    moving.add(c.strip());
                }
            }
        });

        assertThat(columns).isNotEmpty();
        assertThat(moving).as("configuration columns").doesNotContainAnyElementsOf(health);
        Set<String> unclassified = new java.util.TreeSet<>(columns);
        unclassified.removeAll(health);
        unclassified.removeAll(moving);
        assertThat(unclassified).as("a new endpoint column must move application.config_version (trigger endpoint_changed,"
                + " V19_1) or be health that publish does not read").isEmpty();
    }

    @Test
    void publish_racingAnotherWriterForTheSameEventId_isConflictAndWritesNothing() {
        endpoint("/a");
        try (Handle other = db.open()) {
            other.begin();
            other.execute("""
                    INSERT INTO message (id, app_id, event_type, event_id, payload, created_at)
                    VALUES (?, ?, 'invoice.paid', 'evt-1', '{}', ?)""", "msg_other", app, clock.millis());
            CompletableFuture<Published> racing = CompletableFuture.supplyAsync(
                    () -> node.messages().create(app, message("invoice.paid", "evt-1")));
            // On PostgreSQL the publish has passed its own check and waits on the unique index.
            awaitWriterBlocked();
            other.commit();
            assertThatThrownBy(racing::join).hasCauseInstanceOf(HeraldException.Conflict.class);
        }

        assertThat(count("SELECT COUNT(*) FROM message")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void publish_whenTheStoreFailsOnAMessageWithEventId_isNotReportedAsADuplicate() {
        endpoint("/a");
        // Stands in for any failed statement (a dropped connection, a failover): the statements that
        // fail name event_id, but nothing was published, so a publisher must not be told it was.
        withTableMissing("message", () -> assertThatThrownBy(() -> node.messages().create(app, message("invoice.paid", "evt-1")))
                .isNotInstanceOf(HeraldException.Conflict.class));

        assertThat(node.dispatcher().held()).isZero();
        assertThat(publish(message("invoice.paid", "evt-1")).deliveries()).isEqualTo(1);
    }

    @Test
    void publish_toAnUnknownApplication_isNotFoundAndWritesNothing() {
        endpoint("/a");

        assertThatThrownBy(() -> node.messages().create("no-such-app", message("invoice.paid", "evt-1")))
                .isInstanceOf(HeraldException.NotFound.class);

        assertThat(count("SELECT COUNT(*) FROM message")).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void publish_ofPayloadsAboveAndBelowTheHandoverSize_deliversEachExactly() {
        // Small payloads travel from publish to the first attempt in memory; large ones are read again.
        endpoint("/a");
        String small = "{\"data\": \"" + "s".repeat(100) + "\"}";
        String large = "{\"data\": \"" + "l".repeat(Dispatcher.HANDOVER_MAX_PAYLOAD + 10) + "\"}";
        publish(new MessageIn("invoice.paid", null, small, null, null));
        publish(new MessageIn("invoice.paid", null, large, null, null));
        awaitIdle(node);

        assertThat(receiver.received("/a")).extracting(Received::bodyText).containsExactlyInAnyOrder(small, large);
    }

    @Test
    void publish_fanningOutToMoreEndpointsThanTheNodeHasRoomFor_startsWhatFitsAtOnce_andTheRestOnAClaim() {
        for (int i = 0; i < 5; i++) {
            endpoint("/fan" + i);
        }
        Dispatcher d = node.dispatcher();
        Handover others = d.handover(MAX_IN_MEMORY - 3);
        Published p;
        try {
            p = publish(message("invoice.paid", null));
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() == 3);
            assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending' AND locked_by IS NULL"))
                    .as("the two that did not fit wait unleased, due now").isEqualTo(2);
        } finally {
            others.close();
        }
        assertThat(p.deliveries()).isEqualTo(5);
        awaitIdle(node);

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(2);
        assertThat(receiver.received()).hasSize(5);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(5);
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void deliveries_waitingInTheirEndpointsLane_whenItIsDisabled_areNotSent() {
        // One attempt per endpoint at a time: the first hangs a little, the second waits in the lane.
        Herald one = start(config(url, new DispatcherSettings(LEASE, Duration.ZERO, MAX_IN_MEMORY, 1, TIMEOUT,
                Duration.ofSeconds(5)), RetryPolicy.DEFAULT_DELAYS));
        Endpoint ep = one.endpoints().create(app, new EndpointIn(receiver.url("/slow"), null, null, null, null, null, null,
                false, null, null, null));
        receiver.script("/slow", Reply.delayed(Duration.ofMillis(600), Reply.status(200)), Reply.status(200));
        one.messages().create(app, message("invoice.paid", null));
        one.messages().create(app, message("invoice.paid", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.received("/slow").size() == 1);

        one.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/slow"), null, null, null, null, null, null,
                true, null, null, null));

        awaitIdle(one);
        assertThat(receiver.received("/slow")).as("the waiting one read the endpoint when it started").hasSize(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'failed'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM attempt")).isEqualTo(1);
    }

    @Test
    void attempts_waitingForTheirRateLimitSlot_whenTheEndpointIsDisabled_areNotSent() {
        Endpoint ep = node.endpoints().create(app, new EndpointIn(receiver.url("/paced"), null, null, null, 1, null, null,
                false, null, null, null));
        // One per second: the first goes at once; the others wait for the clock to reach 1 and 2 s.
        List<Published> published = List.of(publish(message("invoice.paid", null)), publish(message("invoice.paid", null)),
                publish(message("invoice.paid", null)));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> receiver.received("/paced").size() == 1 && node.dispatcher().held() == 2);

        node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/paced"), null, null, null, 1, null, null,
                true, null, null, null));
        clock.advance(Duration.ofSeconds(2));
        node.dispatcher().clockMoved();

        awaitIdle(node);
        assertThat(receiver.received("/paced")).as("the first, and none that was still waiting").hasSize(1);
        assertThat(published.stream().map(p -> only(deliveriesOf(p))).toList())
                .extracting(Row::status, Row::attempts)
                .containsExactlyInAnyOrder(tuple("succeeded", 1), tuple("failed", 0), tuple("failed", 0));
    }

    @Test
    void attempts_atTheirRate_startWhenTheClockReachesTheirSlot() {
        node.endpoints().create(app, new EndpointIn(receiver.url("/paced"), null, null, null, 2, null, null,
                false, null, null, null));
        for (int i = 0; i < 3; i++) {
            publish(message("invoice.paid", null));
        }
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> receiver.received("/paced").size() == 1 && node.dispatcher().held() == 2);

        clock.advance(Duration.ofMillis(500));
        node.dispatcher().clockMoved();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> node.dispatcher().held() == 1);
        assertThat(receiver.received("/paced")).as("the second at 0.5 s; the third waits for 1 s").hasSize(2);

        clock.advance(Duration.ofMillis(500));
        node.dispatcher().clockMoved();
        awaitIdle(node);
        assertThat(receiver.received("/paced")).hasSize(3);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded' AND version = 1"))
                .as("none was handed back").isEqualTo(3);
    }

    @Test
    void attempts_whoseRateLimitSlotLiesBeyondWhatTheirLeaseCovers_areHandedBackDueAtThatSlot() {
        // The shortest lease a 1 s timeout allows: 12 s, which leaves 12 - 1 - 5 = 6 s to wait for a slot.
        Herald one = start(config(url, new DispatcherSettings(Duration.ofSeconds(12), Duration.ZERO, MAX_IN_MEMORY,
                DispatcherSettings.DEFAULT_PER_ENDPOINT, TIMEOUT, Duration.ofSeconds(5)), RetryPolicy.DEFAULT_DELAYS));
        String paced = one.applications().create(new ApplicationIn("paced", "paced", 1, null), false).application().id();
        for (int i = 0; i < 8; i++) {
            one.endpoints().create(paced, new EndpointIn(receiver.url("/paced/" + i), null, null, null, null, null, null,
                    false, null, null, null));
        }
        long t0 = clock.millis();

        // Eight deliveries at once at one per second: slots 0 to 7 s away; the clock stands still.
        Published p = one.messages().create(paced, message("invoice.paid", null));

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> count(
                "SELECT COUNT(*) FROM delivery WHERE status = 'pending' AND locked_by IS NULL AND attempts = 0") == 1);
        Row handedBack = only(deliveriesOf(p).stream().filter(r -> r.lockedBy() == null && r.attempts() == 0).toList());
        assertThat(handedBack.nextAttemptAt()).as("due when its slot comes, 7 s on").isEqualTo(t0 + 7_000);
        assertThat(deliveriesOf(p)).as("the others hold their leases while they wait")
                .filteredOn(r -> !r.id().equals(handedBack.id()) && r.status().equals("pending") && r.attempts() == 0)
                .allMatch(r -> r.lockedBy() != null);
        await().atMost(Duration.ofSeconds(5)).until(() -> count("SELECT COUNT(*) FROM attempt") == 1);

        stop(one); // ends the waits: what has not been sent goes back to the table, nothing is lost

        List<Row> rows = deliveriesOf(p);
        assertThat(rows).hasSize(8).allMatch(r -> r.lockedBy() == null && List.of("succeeded", "pending").contains(r.status()));
        assertThat(rows).filteredOn(r -> r.status().equals("succeeded")).hasSize(1);
    }

    @Test
    void aBacklogAtOnePerSecond_isHeldOnlyAsFarAsTheLeaseCovers_comesBackOneSlotApart_andHoldsUpNoOneElse() {
        // The poller claims every 5 ms of real time; the clock moves only when the test moves it.
        Herald one = start(config(url, SETTINGS.withPollInterval(Duration.ofMillis(5)), RetryPolicy.DEFAULT_DELAYS));
        String paced = one.applications().create(new ApplicationIn("paced", "paced", null, null), false).application().id();
        Endpoint slow = one.endpoints().create(paced, new EndpointIn(receiver.url("/paced"), null, null, null, 1, null,
                null, false, null, null, null));
        String other = one.applications().create(new ApplicationIn("other", "other", null, null), false).application().id();
        one.endpoints().create(other, new EndpointIn(receiver.url("/free"), null, null, null, null, null, null, false,
                null, null, null));
        // 300 deliveries to the paced endpoint, written unleased while the node is full, then claimed at once.
        Dispatcher d = one.dispatcher();
        Handover full = d.handover(MAX_IN_MEMORY);
        try {
            Published first = one.messages().create(paced, message("invoice.paid", null));
            tx(h -> Deliveries.insert(h, new io.herald.store.Ids(clock, random), paced, first.message().id(),
                    Collections.nCopies(299, new Deliveries.Target(slow.id(), null, null)), Deliveries.TRIGGER_SCHEDULED,
                    clock.millis(), clock.millis(), 0, d.node(), 0));
        } finally {
            full.close();
        }
        long t0 = clock.millis();
        String handedBackSql = "SELECT * FROM delivery WHERE status = 'pending' AND locked_by IS NULL ORDER BY next_attempt_at";

        // A 30 s lease, a 1 s timeout and the 5 s margin leave 24 s: slots 0 to 24 s, 25 deliveries. The claim holds
        // all 299 for a moment before it hands the rest back, so the wait is for the settled state.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> receiver.received("/paced").size() == 1 && d.held() <= 25 && count("SELECT COUNT(*) FROM delivery"
                        + " WHERE status = 'pending' AND locked_by IS NULL") + d.held() + 1 == 300);
        assertThat(d.held()).as("what the lane can start within the lease, not the backlog").isBetween(23, 25);
        List<Long> due = db.withHandle(h -> h.createQuery(handedBackSql).map((rs, ctx) -> row(rs)).list())
                .stream().map(Row::nextAttemptAt).toList();
        assertThat(due.getFirst()).as("after the slots the lane holds").isGreaterThanOrEqualTo(t0 + 24_000);
        for (int i = 1; i < due.size(); i++) {
            assertThat(due.get(i) - due.get(i - 1)).as("handed back one slot apart, not all due at once").isEqualTo(1_000);
        }

        one.messages().create(other, message("invoice.paid", null));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> receiver.received("/free").size() == 1);

        long firstBack = due.getFirst();
        int steps = (int) ((firstBack - t0) / 1_000) + 10;
        for (int s = 1; s <= steps; s++) {
            clock.advance(Duration.ofSeconds(1));
            d.clockMoved();
            int expected = s + 1;
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
                    .until(() -> receiver.received("/paced").size() >= expected);
            assertThat(receiver.received("/paced")).as("at 1/s, %d s on", s).hasSize(expected);
            assertThat(d.held()).as("held %d s on", s).isLessThanOrEqualTo(25);
        }

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> count(
                "SELECT COUNT(*) FROM delivery WHERE status = 'succeeded' AND endpoint_id = '" + slow.id() + "'") == steps + 1);
        // A row is claimed (+1), maybe handed back (+1) and claimed again (+1), then finished (+1).
        assertThat(table("SELECT id, status, version, next_attempt_at FROM delivery WHERE version > 4"))
                .as("claimed more than twice").isEmpty();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending' AND locked_by IS NULL AND version <> 2"))
                .as("the backlog still waiting was claimed once and handed back once").isZero();
    }

    @Test
    void queueing_toEndpointsDisabledOrDeletedSincePublishReadThem_queuesOnlyTheEnabledOnes() {
        // Publish reads endpoints before its write transaction; the write re-checks each of them.
        Endpoint enabled = endpoint("/enabled");
        Endpoint disabled = endpoint("/disabled", null, null, true);
        Endpoint deleted = endpoint("/deleted");
        node.endpoints().delete(app, deleted.id());
        List<Deliveries.Target> targets = List.of(new Deliveries.Target(disabled.id(), null, null),
                new Deliveries.Target(enabled.id(), null, 2_000), new Deliveries.Target(deleted.id(), null, null));

        List<Deliveries.Claim> claims = node.store().inTransaction(h -> Deliveries.insert(h, new io.herald.store.Ids(clock, random),
                app, "msg_x", targets, Deliveries.TRIGGER_SCHEDULED, clock.millis(), clock.millis(), 0, node.dispatcher().node(), 0));

        assertThat(claims).extracting(Deliveries.Claim::endpointId, Deliveries.Claim::timeoutMs)
                .containsExactly(tuple(enabled.id(), 2_000));
        assertThat(count("SELECT COUNT(*) FROM delivery")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE endpoint_id = '" + enabled.id() + "'")).isEqualTo(1);
    }

    @Test
    void deletingAnApplication_locksItsDeliveriesInIdOrder_asRecordingAttemptsDoes() throws Exception {
        if (singleProcess()) {
            return; // SQLite: one writer at a time, nothing to order
        }
        endpoint("/a");
        // The later id first in the table: a delete in the table's own order would take it first.
        clock.advance(Duration.ofSeconds(10));
        Published later = publish(message("invoice.paid", null));
        awaitIdle(node);
        clock.advance(Duration.ofSeconds(-5));
        Published earlier = publish(message("invoice.paid", null));
        awaitIdle(node);
        String high = only(deliveriesOf(later)).id();
        String low = only(deliveriesOf(earlier)).id();
        assertThat(low).isLessThan(high);

        try (Handle recorder = db.open(); Handle probe = db.open()) {
            // A recorder batch holding the later row; in id order it took the earlier one first.
            recorder.begin();
            recorder.createUpdate("UPDATE delivery SET updated_at = updated_at + 1 WHERE id = :id").bind("id", high).execute();
            CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> node.applications().delete(app));
            // The delete takes the earlier row, then waits for the later one, never the other way round.
            waitUpTo(Duration.ofSeconds(5), () -> lockedElsewhere(probe, low));
            assertThat(lockedElsewhere(probe, low)).as("the delete holds the earlier row while it waits").isTrue();
            assertThat(delete).isNotDone();
            recorder.rollback();
            delete.get(10, TimeUnit.SECONDS);
        }
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
    }

    @Test
    void recordingABatchOfAttempts_finishesItsDeliveriesInIdOrder_whateverOrderTheyFinishedIn() throws Exception {
        if (singleProcess()) {
            return; // SQLite: one writer at a time, nothing to order
        }
        endpoint("/a");
        publishUnleased(message("invoice.paid", null));
        clock.advance(Duration.ofSeconds(1));
        publishUnleased(message("invoice.paid", null));
        List<Deliveries.Claim> claims = new ArrayList<>(leaseTo(node.dispatcher().node()));
        assertThat(claims).hasSize(2);
        claims.sort(java.util.Comparator.comparing(Deliveries.Claim::id));
        Deliveries.Claim low = claims.get(0);
        Deliveries.Claim high = claims.get(1);
        // The later delivery's attempt finished first: the batch lists it first.
        List<OutcomeRecorder.Entry> batch = List.of(succeeded(high), succeeded(low));

        try (Handle other = db.open(); Handle probe = db.open()) {
            // Another transaction that changes many rows in id order (deleting their application) holds the later one.
            other.begin();
            other.createUpdate("UPDATE delivery SET updated_at = updated_at + 1 WHERE id = :id").bind("id", high.id()).execute();
            CompletableFuture<boolean[]> finish = CompletableFuture.supplyAsync(
                    () -> node.store().inTransaction(h -> Deliveries.finish(h, batch)));
            // The batch takes the earlier row, then waits for the later one, never the other way round.
            waitUpTo(Duration.ofSeconds(5), () -> lockedElsewhere(probe, low.id()));
            assertThat(lockedElsewhere(probe, low.id())).as("the batch holds the earlier row while it waits").isTrue();
            assertThat(finish).isNotDone();
            other.rollback();
            assertThat(finish.get(10, TimeUnit.SECONDS)).as("per entry, in the batch's order: lease held").containsExactly(true, true);
        }
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(2);
    }

    @Test
    void anAttemptWhoseColumnsCannotBeMade_isRecordedAsAFailedAttemptSayingWhy() throws Exception {
        endpoint("/a");
        publishUnleased(message("invoice.paid", null));
        Deliveries.Claim c = only(leaseTo(node.dispatcher().node()));
        OutcomeRecorder.Entry answered = succeeded(c);
        // Response headers no receiver sends (a name that is null): writing them as JSON throws.
        Map<String, String> odd = new HashMap<>();
        odd.put(null, "x");
        Attempt a = answered.attempt();
        Attempt unwritable = new Attempt(a.id(), a.appId(), a.msgId(), a.endpointId(), a.deliveryId(), a.attemptNumber(),
                a.status(), a.triggerType(), a.url(), a.responseStatusCode(), a.response(), a.responseDurationMs(), a.error(),
                a.nextAttempt(), a.timestamp(), a.requestHeaders(), a.requestBody(), a.requestBodyTruncated(),
                a.requestBodyIsPayload(), odd);
        try (OutcomeRecorder recorder = new OutcomeRecorder(node.store(), clock,
                new Breaker(io.herald.endpoint.CircuitBreaker.DEFAULT),
                new io.herald.operational.OperationalEvents(new io.herald.store.Ids(clock, random), retry -> null),
                () -> {}, opened -> {})) {
            assertThat(recorder.record(new OutcomeRecorder.Entry(c, unwritable, answered.outcome(), answered.policy(), answered.finishedAt())))
                    .as("lease held").isTrue();
        }

        // One row, a failed attempt with its reason, on the delivery's schedule: as when the database refuses a record.
        List<List<Integer>> attempts = db.withHandle(h -> h.createQuery("SELECT status, response_status_code FROM attempt")
                .map((rs, ctx) -> List.of(rs.getInt(1), rs.getInt(2))).list());
        assertThat(attempts).containsExactly(List.of(Attempt.FAIL, 200));
        String error = db.withHandle(h -> h.createQuery("SELECT error FROM attempt").mapTo(String.class).one());
        assertThat(error).contains("could not be recorded").contains("NullPointerException");
        assertThat(row(c.id()).status()).isEqualTo("pending");
    }

    /** The record of a first attempt of {@code c} that a receiver answered 200. */
    private OutcomeRecorder.Entry succeeded(Deliveries.Claim c) {
        Instant at = clock.instant();
        Attempt a = new Attempt("atm_" + c.id(), app, c.messageId(), c.endpointId(), c.id(), 1, Attempt.SUCCESS,
                Deliveries.TRIGGER_SCHEDULED, receiver.url("/a"), 200, "", 1, null, null, at, Map.of(), null, false, false, Map.of());
        return new OutcomeRecorder.Entry(c, a, Outcome.decide(200, java.util.Optional.empty(), 1, at, RetryPolicy.standard(random)),
                RetryPolicy.standard(random), at);
    }

    /** Whether another transaction holds {@code deliveryId}'s row (PostgreSQL: NOWAIT fails at once). */
    private static boolean lockedElsewhere(Handle probe, String deliveryId) {
        probe.begin();
        try {
            probe.createQuery("SELECT id FROM delivery WHERE id = :id FOR UPDATE NOWAIT").bind("id", deliveryId)
                    .mapTo(String.class).list();
            return false;
        } catch (RuntimeException locked) {
            return true;
        } finally {
            probe.rollback();
        }
    }

    @Test
    void deletingAnApplication_whileABatchHoldsOneOfItsDeliveries_thenPublishesToIt_deadlocksNeither() throws Exception {
        if (singleProcess()) {
            return; // SQLite: one writer at a time, nothing to order
        }
        endpoint("/a");
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);
        String delivery = only(deliveriesOf(p)).id();

        try (Handle batch = db.open(); Handle probe = db.open()) {
            // A group-commit batch that recorded an attempt of the delivery...
            batch.begin();
            batch.createUpdate("UPDATE delivery SET updated_at = updated_at + 1 WHERE id = :id").bind("id", delivery).execute();
            CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> node.applications().delete(app));
            // ...the delete waits for that delivery, the application already gone for everyone...
            waitUpTo(Duration.ofSeconds(5), () -> waitingForALock(probe));
            assertThat(waitingForALock(probe)).as("the delete waits for the batch's delivery").isTrue();
            assertThatThrownBy(() -> node.applications().get(app)).isInstanceOf(HeraldException.NotFound.class);
            assertThat(count("SELECT COUNT(*) FROM application_deletion")).as("the deletion recorded with it").isEqualTo(1);
            // ...and the batch then publishes to the application (the message's insert locks its row
            // FOR KEY SHARE), and opens the circuit of its endpoint (a trigger updates that row):
            // neither waits for the delete, which would be a deadlock.
            assertThat(batch.createQuery("SELECT id FROM application WHERE id = :id FOR KEY SHARE").bind("id", app)
                    .mapTo(String.class).list()).isEmpty();
            assertThat(batch.createUpdate("UPDATE application SET config_version = config_version + 1 WHERE id = :id")
                    .bind("id", app).execute()).isZero();
            assertThat(delete).isNotDone();
            batch.commit();
            delete.get(10, TimeUnit.SECONDS);
        }
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
        assertThat(count("SELECT COUNT(*) FROM message")).isZero();
        assertThat(count("SELECT COUNT(*) FROM endpoint")).isZero();
        assertThat(count("SELECT COUNT(*) FROM application_deletion")).isZero();
    }

    /** Whether a session of this test's database waits for a lock (PostgreSQL). */
    private static boolean waitingForALock(Handle probe) {
        return probe.createQuery("""
                SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                .mapTo(Integer.class).one() > 0;
    }

    @Test
    void anApplicationWhoseDeleteStoppedAfterItsRow_isFinishedByTheSweep() {
        endpoint("/a");
        publish(message("invoice.paid", null));
        awaitIdle(node);
        String other = node.applications().create(new ApplicationIn("other", "other", null, null), false).application().id();
        node.endpoints().create(other, new EndpointIn(receiver.url("/other"), null, null, null, null, null, null,
                false, null, null, null));
        node.messages().create(other, message("invoice.paid", null));
        awaitIdle(node);
        InterruptedDelete.ofApplication(db, app, clock.millis());
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE app_id = '" + app + "'")).isEqualTo(1);

        assertThat(node.applications().finishDeletions()).isEqualTo(1);

        for (String table : List.of("message", "delivery", "attempt", "endpoint", "application_deletion")) {
            assertThat(count("SELECT COUNT(*) FROM " + table + " WHERE app_id = '" + app + "'")).as(table).isZero();
        }
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE app_id = '" + other + "'")).as("another application's").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM endpoint WHERE app_id = '" + other + "'")).isEqualTo(1);
        assertThat(node.applications().finishDeletions()).as("nothing left").isZero();
    }

    @Test
    void publishing_whileTheApplicationIsDeleted_leavesNoMessageOrDeliveryWithoutItsApplication() throws Exception {
        // Publish reads the application before its write transaction; the write re-checks it.
        for (int round = 0; round < 5; round++) {
            String a = node.applications().create(new ApplicationIn("race" + round, "race-" + round, null, null), false)
                    .application().id();
            node.endpoints().create(a, new EndpointIn(receiver.url("/race"), null, null, null, null, null, null,
                    false, null, null, null));
            List<Thread> publishers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            for (int t = 0; t < 8; t++) {
                publishers.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 40; i++) {
                        try {
                            node.messages().create(a, message("invoice.paid", null));
                            accepted.incrementAndGet();
                        } catch (HeraldException.NotFound gone) {
                            return;
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() >= 10);
            node.applications().delete(a);
            for (Thread t : publishers) {
                t.join(20_000);
            }
        }
        awaitIdle(node);

        assertThat(count("SELECT COUNT(*) FROM message WHERE app_id NOT IN (SELECT id FROM application)")).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE app_id NOT IN (SELECT id FROM application)")).isZero();
    }

    // --- claiming --------------------------------------------------------------------------------

    @Test
    void claim_ofARowNotYetDue_waitsUntilTheClockReachesIt() {
        endpoint("/a");
        Instant t0 = clock.instant();
        // A row due in 10 s: published with the clock ahead, then the clock is set back.
        clock.set(t0.plusSeconds(10));
        Published later = publishUnleased(message("invoice.paid", null));
        clock.set(t0);
        Published now = publishUnleased(message("invoice.paid", null));
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE locked_by IS NULL AND locked_until IS NULL")).isEqualTo(2);

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(webhookIds("/a")).containsExactly(now.message().id());

        clock.set(t0.plusSeconds(10).minusMillis(1));
        assertThat(node.dispatcher().runDueOnce()).isZero();

        clock.set(t0.plusSeconds(10));
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(webhookIds("/a")).containsExactly(now.message().id(), later.message().id());
    }

    @Test
    void claim_ofARowUnderAnotherNodesLiveLease_waitsUntilTheLeaseExpires() {
        endpoint("/a");
        Published p = publishUnleased(message("invoice.paid", null));
        assertThat(leaseTo("node-other")).hasSize(1);

        assertThat(node.dispatcher().runDueOnce()).isZero();
        clock.advance(LEASE.minusMillis(1));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received()).isEmpty();

        clock.advance(Duration.ofMillis(2));
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(webhookIds("/a")).containsExactly(p.message().id());
        assertThat(deliveriesOf(p)).extracting(Row::status, Row::lockedBy).containsExactly(tuple("succeeded", null));
    }

    @Test
    void finishAndRelease_withTheVersionOfALostLease_returnFalseAndChangeNothing() {
        endpoint("/a");
        publishUnleased(message("invoice.paid", null));
        Deliveries.Claim lost = only(leaseTo("node-a"));
        clock.advance(LEASE.plusMillis(1));
        Deliveries.Claim current = only(leaseTo("node-b"));
        assertThat(current.id()).isEqualTo(lost.id());
        Row before = row(current.id());
        assertThat(before.lockedBy()).isEqualTo("node-b");
        long now = clock.millis();

        assertThat(changes(h -> Deliveries.finish(h, lost, Deliveries.SUCCEEDED, 1, null, now))).isFalse();
        assertThat(changes(h -> Deliveries.release(h, lost, now, now))).isFalse();
        assertThat(row(current.id())).isEqualTo(before);

        assertThat(changes(h -> Deliveries.finish(h, current, Deliveries.SUCCEEDED, 1, null, now))).isTrue();
        assertThat(row(current.id())).extracting(Row::status, Row::attempts, Row::lockedBy, Row::lockedUntil)
                .containsExactly("succeeded", 1, null, null);
        // Finished rows have no lease to give back.
        assertThat(changes(h -> Deliveries.release(h, current, now, now))).isFalse();
    }

    // --- retries ---------------------------------------------------------------------------------

    @Test
    void delivery_answered500Then200_isRetriedWhenTheClockReachesItsSchedule() {
        receiver.script("/flaky", Reply.status(500), Reply.status(200));
        endpoint("/flaky");
        Instant t0 = clock.instant();
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);

        Attempt first = only(attemptsOf(p));
        assertThat(first).extracting(Attempt::attemptNumber, Attempt::status, Attempt::responseStatusCode)
                .containsExactly(1, Attempt.FAIL, 500);
        Instant next = first.nextAttempt();
        assertThat(next).isBetween(t0.plusMillis(4_000), t0.plusMillis(6_000));
        Row row = only(deliveriesOf(p));
        assertThat(row).extracting(Row::status, Row::attempts, Row::nextAttemptAt, Row::lockedBy)
                .containsExactly("pending", 1, next.toEpochMilli(), null);

        clock.set(next.minusMillis(1));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received("/flaky")).hasSize(1);

        clock.set(next);
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(attemptsOf(p))
                .extracting(Attempt::attemptNumber, Attempt::status, Attempt::responseStatusCode, Attempt::deliveryId)
                .containsExactly(tuple(1, Attempt.FAIL, 500, row.id()), tuple(2, Attempt.SUCCESS, 200, row.id()));
        assertThat(attemptsOf(p).get(1).nextAttempt()).isNull();
        assertThat(webhookIds("/flaky")).containsExactly(p.message().id(), p.message().id());
        assertThat(row(row.id())).extracting(Row::status, Row::attempts, Row::lockedBy).containsExactly("succeeded", 2, null);
    }

    @Test
    void delivery_failingEveryAttempt_failsForGoodAfterTheLastOneOfTheSchedule() {
        stop(node);
        node = start(config(url, SETTINGS, List.of(Duration.ofSeconds(1), Duration.ofSeconds(2))));
        // Three failures, then 200: a fourth attempt would succeed, and show.
        receiver.script("/down", Reply.status(500), Reply.status(500), Reply.status(500));
        endpoint("/down");
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);

        clock.advance(Duration.ofSeconds(2)); // 1 s + 20 % jitter at most
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(3)); // 2 s + 20 %
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);

        Row row = only(deliveriesOf(p));
        assertThat(row).extracting(Row::status, Row::attempts, Row::nextAttemptAt, Row::lockedBy)
                .containsExactly("failed", 3, null, null);
        List<Attempt> attempts = attemptsOf(p);
        assertThat(attempts).extracting(Attempt::attemptNumber, Attempt::status)
                .containsExactly(tuple(1, Attempt.FAIL), tuple(2, Attempt.FAIL), tuple(3, Attempt.FAIL));
        assertThat(attempts.get(1).nextAttempt()).isNotNull();
        assertThat(attempts.get(2).nextAttempt()).isNull();

        clock.advance(Duration.ofDays(7));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received("/down")).hasSize(3);
    }

    @Test
    void endpoint_answering410_isDisabledAndItsDeliveryFailsWithoutRetry() {
        receiver.script("/gone", Reply.status(410)); // then 200: a retry would succeed, and show
        Endpoint gone = endpoint("/gone");
        Endpoint other = endpoint("/other");
        Published first = publish(message("invoice.paid", null));
        awaitIdle(node);

        assertThat(node.endpoints().get(app, gone.id()).disabled()).isTrue();
        assertThat(deliveriesOf(first)).filteredOn(r -> r.endpointId().equals(gone.id()))
                .extracting(Row::status, Row::attempts, Row::nextAttemptAt, Row::lockedBy)
                .containsExactly(tuple("failed", 1, null, null));
        assertThat(attemptsOf(first)).filteredOn(a -> a.endpointId().equals(gone.id()))
                .extracting(Attempt::responseStatusCode, Attempt::nextAttempt)
                .containsExactly(tuple(410, null));
        clock.advance(Duration.ofDays(4));
        assertThat(node.dispatcher().runDueOnce()).isZero();

        Published later = publish(message("invoice.paid", null));
        awaitIdle(node);
        assertThat(later.deliveries()).isEqualTo(1);
        assertThat(queuedFor(later)).containsExactly(other.id());
        assertThat(receiver.received("/gone")).hasSize(1);
        assertThat(receiver.received("/other")).hasSize(2);
    }

    // --- server overview ---------------------------------------------------------------------------

    @Test
    void overview_afterLoadOnAFailingAndAHealthyEndpoint_countsQueueEndpointsAndTheLastMinutesAttempts() {
        stop(node);
        node = start(config(url, SETTINGS.withCircuitBreaker(new CircuitBreaker(3, Duration.ofDays(5))),
                RetryPolicy.DEFAULT_DELAYS));
        receiver.script("/down", Reply.status(503), Reply.status(503), Reply.status(503), Reply.status(503));
        endpoint("/down");
        endpoint("/ok");
        endpoint("/off", null, null, true);
        for (int i = 0; i < 3; i++) {
            publish(message("invoice.paid", null));
            awaitIdle(node);
        }
        // The circuit of /down is open now: these two are held for it, and go to /ok.
        publish(message("invoice.paid", null));
        publish(message("invoice.paid", null));
        awaitIdle(node);
        assertThat(node.dispatcher().runDueOnce()).isZero();

        ServerOverview o = node.overview();
        assertThat(o).extracting(ServerOverview::pending, ServerOverview::held, ServerOverview::oldestDueMillis,
                        ServerOverview::endpoints, ServerOverview::failing, ServerOverview::circuitOpen,
                        ServerOverview::disabled, ServerOverview::succeededLastMinute, ServerOverview::failedLastMinute)
                .containsExactly(3L, 2L, 0L, 3L, 1L, 1L, 1L, 5L, 3L);
        assertThat(o.active()).isEqualTo(1);
        assertThat(o.pending()).isEqualTo(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending'"));
        assertThat(o.held()).isEqualTo(count("SELECT COUNT(*) FROM delivery WHERE status = 'held'"));

        // A minute later the attempts have left the window, and the retries are overdue.
        clock.advance(Duration.ofSeconds(61));
        ServerOverview later = node.overview();
        assertThat(later.succeededLastMinute() + later.failedLastMinute()).isZero();
        assertThat(later.oldestDueMillis()).isPositive().isEqualTo(clock.millis()
                - count("SELECT MIN(next_attempt_at) FROM delivery WHERE status = 'pending'"));
    }

    // --- endpoint health and circuit breaker -------------------------------------------------------

    @Test
    void recordingASuccess_whileAnotherTransactionHoldsItsEndpointsRow_doesNotWaitForIt() throws Exception {
        if (singleProcess()) {
            return; // SQLite: one writer at a time; a transaction held open by the test would hold every write
        }
        Endpoint ep = endpoint("/a");
        publish(message("invoice.paid", null));
        receiver.await("/a", 1, Duration.ofSeconds(5));
        awaitIdle(node);
        clock.advance(Duration.ofSeconds(2)); // the next success's time is worth writing
        try (Handle other = db.open()) {
            other.begin();
            other.createQuery("SELECT id FROM endpoint WHERE id = :id FOR UPDATE").bind("id", ep.id()).mapTo(String.class).one();

            Published p = publish(message("invoice.paid", null));

            String succeeded = "SELECT COUNT(*) FROM delivery WHERE message_id = '" + p.message().id() + "' AND status = 'succeeded'";
            waitUpTo(Duration.ofSeconds(5), () -> count(succeeded) == 1);
            assertThat(count(succeeded)).as("recorded while the endpoint's row is held elsewhere").isEqualTo(1);
            other.rollback();
        }
    }

    @Test
    void endpoint_failingItsThresholdInARow_opensItsCircuit_holdsItsBacklogUncounted_probesOneAtATimeAcrossNodes_andDeliversAllOnRecovery() {
        stop(node);
        DispatcherSettings breaking = SETTINGS.withCircuitBreaker(new CircuitBreaker(3, Duration.ofDays(5)));
        node = start(config(url, breaking, RetryPolicy.DEFAULT_DELAYS));
        receiver.fallback(Reply.status(503));
        Endpoint ep = endpoint("/down");
        List<Published> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(publish(message("invoice.paid", null)));
            awaitIdle(node);
        }
        Health opened = node.endpoints().get(app, ep.id()).health();
        assertThat(opened).extracting(Health::failures, Health::open, Health::lastError, Health::failingSince)
                .containsExactly(3, true, "HTTP 503", clock.instant());
        assertThat(opened.nextProbeAt()).isEqualTo(clock.instant().plus(Breaker.FIRST_PROBE));

        // Published while the circuit is open: not started, and held by the claim that finds them.
        for (int i = 0; i < 5; i++) {
            all.add(publish(message("invoice.paid", null)));
        }
        awaitIdle(node);
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received("/down")).hasSize(3);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'held'")).isEqualTo(5);
        // The first three's retries come due (5 s + 20 % at most) before the probe (10 s): held too.
        clock.advance(Duration.ofSeconds(7));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received("/down")).hasSize(3);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'held'")).isEqualTo(8);
        assertThat(node.latestDeliveries().stats(app, ep.id(), null, null).pending()).isEqualTo(8);

        // The probe: the held delivery due first, one request; it fails, and is not counted.
        Herald other = start(config(url, breaking, RetryPolicy.DEFAULT_DELAYS));
        clock.set(opened.nextProbeAt());
        assertThat(node.dispatcher().runDueOnce() + other.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(receiver.received("/down")).hasSize(4);
        // Due first: one of the five never attempted (ids of one millisecond sort randomly).
        String probedId = receiver.received("/down").get(3).header("webhook-id");
        Published probed = all.subList(3, 8).stream().filter(p -> p.message().id().equals(probedId)).findFirst().orElseThrow();
        assertThat(only(deliveriesOf(probed))).extracting(Row::status, Row::attempts).containsExactly("held", 0);
        assertThat(only(attemptsOf(probed))).extracting(Attempt::status, Attempt::responseStatusCode)
                .containsExactly(Attempt.FAIL, 503);
        Health stillOpen = node.endpoints().get(app, ep.id()).health();
        assertThat(stillOpen).extracting(Health::failures, Health::probes, Health::nextProbeAt)
                .containsExactly(4, 1, clock.instant().plus(Breaker.probeInterval(1)));
        // Not before its interval: neither node probes again.
        clock.advance(Breaker.probeInterval(1).minusMillis(1));
        assertThat(node.dispatcher().runDueOnce() + other.dispatcher().runDueOnce()).isZero();

        // The receiver is back: the next probe succeeds, the circuit closes, the backlog follows.
        receiver.fallback(Reply.status(200));
        clock.set(stillOpen.nextProbeAt());
        assertThat(other.dispatcher().runDueOnce() + node.dispatcher().runDueOnce()).isEqualTo(8);
        assertThat(receiver.received("/down")).hasSize(12);
        assertThat(webhookIds("/down").subList(4, 12))
                .containsExactlyInAnyOrderElementsOf(all.stream().map(p -> p.message().id()).toList());
        for (int i = 0; i < all.size(); i++) {
            // Held time cost no message an attempt: the first three failed once before the circuit opened.
            assertThat(only(deliveriesOf(all.get(i)))).extracting(Row::status, Row::attempts)
                    .containsExactly("succeeded", i < 3 ? 2 : 1);
        }
        Health healed = node.endpoints().get(app, ep.id()).health();
        assertThat(healed).extracting(Health::failures, Health::open, Health::failingSince, Health::holding)
                .containsExactly(0, false, null, false);
        assertThat(healed.lastSuccessAt()).isEqualTo(clock.instant());
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status <> 'succeeded'")).isZero();
    }

    @Test
    void endpoint_whoseCircuitOpensWhileItsLaneHoldsAWaitingBacklog_hasItHeldUnattempted_andTheNodeHoldsNothingAfterwards() {
        stop(node);
        // One attempt at a time: the backlog waits in the lane behind a slow failure that opens the circuit.
        node = start(config(url, new DispatcherSettings(LEASE, Duration.ZERO, MAX_IN_MEMORY, 1, TIMEOUT, Duration.ofSeconds(5))
                .withCircuitBreaker(new CircuitBreaker(1, Duration.ofDays(5))), RetryPolicy.DEFAULT_DELAYS));
        receiver.script("/slow", Reply.delayed(Duration.ofMillis(500), Reply.status(503)));
        Endpoint ep = endpoint("/slow");
        List<Published> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.add(publish(message("invoice.paid", null)));
        }
        assertThat(node.dispatcher().held()).as("started at publish, waiting in the lane").isEqualTo(30);
        awaitIdle(node);

        assertThat(receiver.received("/slow")).as("only the attempt that opened the circuit went out").hasSize(1);
        assertThat(node.endpoints().get(app, ep.id()).health().open()).isTrue();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'held' AND attempts = 0 AND locked_by IS NULL"))
                .isEqualTo(29);
        assertThat(count("SELECT COUNT(*) FROM attempt")).isEqualTo(1);

        // The probe releases the backlog: each arrives once.
        receiver.fallback(Reply.status(200));
        clock.set(node.endpoints().get(app, ep.id()).health().nextProbeAt());
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(30);
        assertThat(webhookIds("/slow").subList(1, 31))
                .containsExactlyInAnyOrderElementsOf(all.stream().map(p -> p.message().id()).toList());
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void endpoint_failingLongerThanItsDisableAfter_isDisabledWithTheReason_itsHeldDeliveriesFail_andEnablingStartsAfresh() {
        stop(node);
        node = start(config(url, SETTINGS.withCircuitBreaker(new CircuitBreaker(2, Duration.ofHours(1))),
                RetryPolicy.DEFAULT_DELAYS));
        receiver.fallback(Reply.status(500));
        Endpoint ep = endpoint("/dead");
        Instant firstFailure = clock.instant();
        List<Published> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(publish(message("invoice.paid", null)));
            awaitIdle(node);
        }
        node.dispatcher().runDueOnce();
        assertThat(receiver.received("/dead")).hasSize(2);

        int probes = 0;
        Endpoint now = node.endpoints().get(app, ep.id());
        while (!now.disabled()) {
            assertThat(probes).as("probes before the endpoint is disabled").isLessThan(30);
            clock.set(now.health().nextProbeAt());
            node.dispatcher().runDueOnce();
            probes++;
            now = node.endpoints().get(app, ep.id());
        }
        // Probes every 10, 20, 40 … 600 s: the first failed one an hour after the first failure disables it.
        assertThat(clock.instant()).isAfterOrEqualTo(firstFailure.plus(Duration.ofHours(1)))
                .isBefore(firstFailure.plus(Duration.ofHours(1)).plus(Breaker.LONGEST_PROBE_INTERVAL));
        assertThat(receiver.received("/dead")).hasSize(2 + probes);
        assertThat(now.health().disabledReason()).startsWith("failing since " + firstFailure)
                .contains((2 + probes) + " failed attempts in a row").endsWith("HTTP 500)");
        assertThat(now.health().failures()).isEqualTo(2 + probes);

        // Disabled: what it held fails (recover can replay it), and nothing more goes out.
        clock.advance(Duration.ofDays(1));
        node.dispatcher().runDueOnce();
        assertThat(all).allSatisfy(p -> assertThat(only(deliveriesOf(p)).status()).isEqualTo("failed"));
        assertThat(receiver.received("/dead")).hasSize(2 + probes);
        assertThat(node.endpoints().get(app, ep.id()).health().holding()).isFalse();

        Endpoint enabled = node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/dead"), null, null, null,
                null, null, null, false, null, null, null));
        assertThat(enabled.disabled()).isFalse();
        assertThat(enabled.health()).extracting(Health::failures, Health::failingSince, Health::open, Health::disabledReason)
                .containsExactly(0, null, false, null);
        receiver.fallback(Reply.status(200));
        Published fresh = publish(message("invoice.paid", null));
        awaitIdle(node);
        assertThat(only(deliveriesOf(fresh)).status()).isEqualTo("succeeded");
    }

    @Test
    void endpoint_settingItsOwnBreaker_overridesTheServers_andOutOfBoundsIsRefusedNamingTheField() {
        Endpoint ep = node.endpoints().create(app, new EndpointIn(receiver.url("/own"), null, null, null, null, null, null,
                null, null, null, null, new DeliveryPolicy.In(null, null, null, null, null, Json.read("{\"failures\": 1}"))));
        assertThat(ep.policy().circuitBreaker()).isEqualTo(new CircuitBreaker(1, null));
        receiver.script("/own", Reply.status(502));
        publish(message("invoice.paid", null));
        awaitIdle(node);
        assertThat(node.endpoints().get(app, ep.id()).health().open()).isTrue();

        for (String bad : List.of("{\"failures\": 0}", "{\"failures\": 10001}", "{\"disableAfterSeconds\": 59}",
                "{\"disableAfterSeconds\": 7776001}", "{\"failures\": \"3\"}", "{\"threshold\": 3}", "3")) {
            assertThatThrownBy(() -> node.endpoints().create(app, new EndpointIn(receiver.url("/x"), null, null, null, null,
                    null, null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, null, Json.read(bad)))))
                    .as(bad).isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                            e -> assertThat(e.field()).startsWith("circuitBreaker"));
        }
    }

    // --- FIFO ordering ---------------------------------------------------------------------------------

    @Test
    void fifoEndpoint_receivesMessageKPlusOneOnlyAfterKEnded_throughRandomFailures_twoNodes_andANodeDyingMidStream() {
        // A receiver failing about a third of requests, the same way on every run; then healthy.
        Random replies = new Random(42);
        List<Reply> script = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            script.add(Reply.status(replies.nextInt(3) == 0 ? 503 : 200));
        }
        receiver.script("/ordered", script.toArray(Reply[]::new));
        Endpoint ep = node.endpoints().create(app, new EndpointIn(receiver.url("/ordered"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, Json.read("{\"schedule\": [1, 1, 1]}"),
                null, null, "fifo")));
        assertThat(ep.policy().fifo()).isTrue();
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            published.add(publish(message("invoice.paid", null)).message().id());
        }
        awaitIdle(node);
        assertThat(receiver.received("/ordered")).as("written held: nothing starts at publish").isEmpty();

        boolean died = false;
        for (int round = 0; round < 200 && count("SELECT COUNT(*) FROM delivery WHERE status IN ('pending', 'held')") > 0; round++) {
            if (!died && receiver.received("/ordered").size() >= 10) {
                // A node takes the active delivery (once it is due) and dies holding it: nothing else
                // goes out until its lease ends.
                clock.advance(Duration.ofSeconds(2));
                died = !leaseTo("node-dead").isEmpty();
                if (died) {
                    int before = receiver.received("/ordered").size();
                    clock.advance(Duration.ofSeconds(2));
                    assertThat(node.dispatcher().runDueOnce() + other.dispatcher().runDueOnce()).isZero();
                    assertThat(receiver.received("/ordered")).hasSize(before);
                    clock.advance(LEASE);
                }
            }
            clock.advance(Duration.ofSeconds(2)); // past a 1 s retry + 20 %
            (round % 2 == 0 ? node : other).dispatcher().runDueOnce();
        }
        assertThat(died).isTrue();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status IN ('pending', 'held')")).isZero();

        // In order: a message's retries come before the next message, never after it.
        List<Integer> order = webhookIds("/ordered").stream().map(published::indexOf).toList();
        for (int i = 1; i < order.size(); i++) {
            assertThat(order.get(i)).as("request %d of %s", i, order).isBetween(order.get(i - 1), order.get(i - 1) + 1);
        }
        assertThat(order.getFirst()).isZero();
        assertThat(order.getLast()).isEqualTo(published.size() - 1);
        List<Attempt> attempts = new ArrayList<>();
        for (String id : published) {
            attempts.addAll(node.attempts().byMessage(app, id, AttemptQuery.ALL, new PageRequest(250, null, false)).data());
        }
        assertThat(attempts.stream().filter(a -> a.status() == Attempt.FAIL).count()).as("the receiver failed some").isPositive();
    }

    @Test
    void fifoEndpoint_turnedBackToTheDefault_releasesWhatWaitedItsTurn() {
        receiver.fallback(Reply.status(503));
        Endpoint ep = node.endpoints().create(app, new EndpointIn(receiver.url("/fifo"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, null, null, "fifo")));
        for (int i = 0; i < 5; i++) {
            publish(message("invoice.paid", null));
        }
        awaitIdle(node);
        node.dispatcher().runDueOnce();
        assertThat(receiver.received("/fifo")).hasSize(1);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'held'")).isEqualTo(4);

        receiver.fallback(Reply.status(200));
        node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/fifo"), null, null, null, null, null, null,
                null, null, null, null));
        clock.advance(Duration.ofSeconds(7));
        node.dispatcher().runDueOnce();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(5);
        assertThat(receiver.received("/fifo")).hasSize(6);
        assertThatThrownBy(() -> node.endpoints().create(app, new EndpointIn(receiver.url("/x"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, null, null, "lifo"))))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.field()).isEqualTo("ordering"));
    }

    // --- an attempt always ends in a record -------------------------------------------------------

    @Test
    void attempt_whoseResponseHoldsNulAndInvalidUtf8_isRecordedOnce_andRetriedOnItsSchedule() {
        byte[] body = {'o', 'u', 't', 0, 'o', 'f', ' ', (byte) 0xff, (byte) 0xfe, ' ', 'o', 'r', 'd', 'e', 'r'};
        receiver.script("/nul", Reply.bytes(500, body), Reply.bytes(200, body));
        endpoint("/nul");
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);

        Attempt first = only(attemptsOf(p));
        assertThat(first).extracting(Attempt::status, Attempt::responseStatusCode).containsExactly(Attempt.FAIL, 500);
        assertThat(first.response()).isEqualTo("out\uFFFDof \uFFFD\uFFFD order");
        assertThat(first.nextAttempt()).isNotNull();
        assertThat(only(deliveriesOf(p))).extracting(Row::status, Row::attempts, Row::lockedBy).containsExactly("pending", 1, null);

        clock.set(first.nextAttempt());
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(attemptsOf(p)).extracting(Attempt::attemptNumber, Attempt::status).containsExactly(
                tuple(1, Attempt.FAIL), tuple(2, Attempt.SUCCESS));
        assertThat(receiver.received("/nul")).hasSize(2);
    }

    @Test
    void attempt_recordsTheRequestAsSent_customHeadersMasked_andTheResponseHeaders() {
        receiver.script("/seen", Reply.status(200, Map.of("X-Trace", "t-1"), "ok"));
        node.endpoints().create(app, new EndpointIn(receiver.url("/seen"), null, null, null, null, null, null, false,
                Map.of("X-Tenant", "plain-value", "Authorization", "Bearer s3cret"), null, null));
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);

        Attempt a = only(attemptsOf(p));
        LoopbackReceiver.Received sent = only(receiver.received("/seen"));
        assertThat(a.requestBody()).isEqualTo(sent.bodyText()).isEqualTo("{\"order\": 1}");
        assertThat(a.requestBodyTruncated()).isFalse();
        assertThat(a.requestHeaders()).containsEntry("X-Tenant", CustomHeaders.MASK)
                .containsEntry("Authorization", CustomHeaders.MASK)
                .containsEntry("webhook-id", sent.header("webhook-id"))
                .containsEntry("webhook-signature", sent.header("webhook-signature"))
                .containsEntry("Content-Type", sent.header("Content-Type"))
                .containsEntry("Content-Length", sent.header("Content-Length"))
                .containsEntry("User-Agent", sent.header("User-Agent"));
        assertThat(a.requestHeaders().values()).doesNotContain("plain-value", "Bearer s3cret");
        assertThat(a.responseHeaders()).containsEntry("X-Trace", "t-1");
        assertThat(table("SELECT request_headers FROM attempt").toString()).doesNotContain("plain-value", "s3cret");
    }

    @Test
    void attempt_whoseBodyIsThePayload_keepsNoCopy_andReadsItFromTheMessage_untilThePayloadGoes() {
        receiver.script("/plain", Reply.status(200));
        receiver.script("/wrapped", Reply.status(200));
        endpoint("/plain");
        node.endpoints().create(app, new EndpointIn(receiver.url("/wrapped"), null, null, null, null, null, null, false,
                null, null, null, new DeliveryPolicy.In(Json.read("{\"type\": \"envelope\"}"), null, null, null, null)));
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);

        Map<String, Attempt> byPath = new HashMap<>();
        attemptsOf(p).forEach(a -> byPath.put(a.url().substring(a.url().lastIndexOf('/')), a));
        Attempt plain = byPath.get("/plain");
        Attempt wrapped = byPath.get("/wrapped");
        assertThat(plain.requestBody()).isEqualTo(only(receiver.received("/plain")).bodyText()).isEqualTo("{\"order\": 1}");
        assertThat(plain.requestBodyIsPayload()).isTrue();
        assertThat(wrapped.requestBody()).isEqualTo(only(receiver.received("/wrapped")).bodyText()).contains("\"data\"");
        assertThat(wrapped.requestBodyIsPayload()).isFalse();
        // One copy of the payload: the message's. The envelope, which differs from it, is kept.
        assertThat(table("SELECT id, request_body IS NULL AS no_copy, request_body_is_payload AS pointer FROM attempt"))
                .extracting(r -> r.get("id"), r -> truthy(r.get("no_copy")), r -> truthy(r.get("pointer")))
                .containsExactlyInAnyOrder(tuple(plain.id(), true, true), tuple(wrapped.id(), false, false));
        assertThat(node.attempts().get(app, p.message().id(), plain.id()).requestBody()).isEqualTo("{\"order\": 1}");
        assertThat(node.attempts().byApplication(app, AttemptQuery.ALL, new PageRequest(10, null, true)).data())
                .extracting(Attempt::requestBody).containsExactlyInAnyOrder("{\"order\": 1}", wrapped.requestBody());

        node.messages().expungeContent(app, p.message().id());
        assertThat(attemptsOf(p)).extracting(Attempt::requestBody).containsOnlyNulls();
        assertThat(attemptsOf(p)).extracting(Attempt::requestBodyIsPayload).containsOnly(false);
    }

    private static boolean truthy(Object v) {
        // SQLite answers a boolean expression with 1 or 0.
        return v instanceof Boolean b ? b : ((Number) v).intValue() != 0;
    }

    @Test
    void attempt_ofABodyAboveTheCap_keepsItsFirst64KiB_markedTruncated() {
        endpoint("/big");
        String big = "{\"pad\": \"" + "é".repeat(Attempt.BODY_CAP / 2) + "\"}";
        Published p = publish(new MessageIn("invoice.paid", null, big, null, null));
        awaitIdle(node);

        Attempt a = only(attemptsOf(p));
        assertThat(a.requestBodyTruncated()).isTrue();
        assertThat(big).startsWith(a.requestBody().substring(0, a.requestBody().length() - 1));
        assertThat(a.requestBody().getBytes(StandardCharsets.UTF_8).length).isBetween(Attempt.BODY_CAP - 2, Attempt.BODY_CAP + 2);
        assertThat(a.requestHeaders()).containsEntry("Content-Length",
                Integer.toString(big.getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void expungeContent_ofAnAttempt_clearsItsCopies_andOfAMessage_clearsItsAttemptsRequestBodies() {
        endpoint("/a");
        endpoint("/b");
        Published p = publish(message("invoice.paid", null));
        awaitIdle(node);
        List<Attempt> both = attemptsOf(p);
        assertThat(both).hasSize(2).allSatisfy(a -> assertThat(a.requestBody()).isNotNull());

        node.attempts().expungeContent(app, p.message().id(), both.get(0).id());
        Attempt expunged = node.attempts().get(app, p.message().id(), both.get(0).id());
        assertThat(expunged).extracting(Attempt::response, Attempt::requestBody, Attempt::requestHeaders, Attempt::responseHeaders)
                .containsExactly("", null, null, null);
        assertThat(node.attempts().get(app, p.message().id(), both.get(1).id()).requestBody()).isNotNull();

        node.messages().expungeContent(app, p.message().id());
        assertThat(attemptsOf(p)).extracting(Attempt::requestBody).containsOnlyNulls();
    }

    @Test
    void byApplication_listsTheAttemptsOfEveryEndpointNewestFirst_inPages_andNarrowsToOne() {
        Endpoint a = endpoint("/a");
        endpoint("/b");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Published p = publish(message("invoice.paid", null));
            awaitIdle(node);
            attemptsOf(p).forEach(at -> ids.add(at.id()));
            clock.advance(Duration.ofMillis(5));
        }
        String other = node.applications().create(new ApplicationIn("other", "other", null, null), false).application().id();
        node.endpoints().create(other, new EndpointIn(receiver.url("/c"), null, null, null, null, null, null, false, null, null, null));
        node.messages().create(other, message("invoice.paid", null));
        awaitIdle(node);
        List<String> newestFirst = ids.stream().sorted(Comparator.reverseOrder()).toList();

        Page<Attempt> one = node.attempts().byApplication(app, AttemptQuery.ALL, new PageRequest(4, null, true));
        Page<Attempt> two = node.attempts().byApplication(app, AttemptQuery.ALL, new PageRequest(4, one.iterator(), true));

        assertThat(one.data()).extracting(Attempt::id).containsExactlyElementsOf(newestFirst.subList(0, 4));
        assertThat(two.data()).extracting(Attempt::id).containsExactlyElementsOf(newestFirst.subList(4, 6));
        assertThat(two.done()).isTrue();
        assertThat(node.attempts().byApplication(app, new AttemptQuery(null, a.id(), null, null), new PageRequest(50, null, true))
                .data()).hasSize(3).allSatisfy(at -> assertThat(at.endpointId()).isEqualTo(a.id()));
    }

    @Test
    void attempt_whoseRequestCannotBeRendered_isAFailedAttemptOnTheSchedule_notASilentReclaim() {
        stop(node);
        node = start(config(url, SETTINGS, List.of(Duration.ofSeconds(1))));
        node.endpoints().create(app, new EndpointIn(receiver.url("/slack"), null, null, null, null, null, null, false, null, null,
                null, new DeliveryPolicy.In(io.herald.Json.read("\"slack\""), null, null, null, null)));
        Published p = publishUnleased(message("invoice.paid", null));
        // What the Slack format reads is no longer JSON, as if a bug had stored it so.
        db.useHandle(h -> h.execute("UPDATE message SET payload = 'not json' WHERE id = ?", p.message().id()));

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        Attempt first = only(attemptsOf(p));
        assertThat(first).extracting(Attempt::status, Attempt::responseStatusCode).containsExactly(Attempt.FAIL, 0);
        assertThat(first.error()).contains("inside Herald");
        assertThat(first.nextAttempt()).isNotNull();

        clock.advance(Duration.ofSeconds(2));
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(only(deliveriesOf(p))).extracting(Row::status, Row::attempts).containsExactly("failed", 2);
        clock.advance(Duration.ofDays(4));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received()).isEmpty();
        assertThat(node.dispatcher().held()).isZero();
    }

    @Test
    void attempt_whoseRecordTheDatabaseRefuses_endsInOneStandInRecord_andTheNormalRetry_whileItsBatchMatesKeepTheirs() {
        stop(node);
        node = start(config(url, SETTINGS, List.of(Duration.ofSeconds(1))));
        receiver.script("/poison", Reply.status(500, Map.of(), "poison"), Reply.status(200, Map.of(), "poison"));
        endpoint("/poison");
        endpoint("/fine");
        refuse("refuse_poison", "INSERT", "attempt", "NEW.response LIKE '%poison%'");
        Published p = publishUnleased(message("invoice.paid", null));

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(2);
        Attempt standIn = only(attemptsOf(p).stream().filter(a -> a.url().endsWith("/poison")).toList());
        assertThat(standIn).extracting(Attempt::status, Attempt::responseStatusCode, Attempt::response, Attempt::attemptNumber)
                .containsExactly(Attempt.FAIL, 500, "", 1);
        assertThat(standIn.error()).contains("could not be recorded", "refused by the test");
        assertThat(standIn.nextAttempt()).isNotNull();
        assertThat(attemptsOf(p).stream().filter(a -> a.url().endsWith("/fine")).toList())
                .extracting(Attempt::status, Attempt::responseStatusCode).containsExactly(tuple(Attempt.SUCCESS, 200));

        // The receiver takes the retry (200), but its record is refused too: a failed attempt, the last of two.
        clock.advance(Duration.ofSeconds(2));
        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        assertThat(attemptsOf(p).stream().filter(a -> a.url().endsWith("/poison")).toList())
                .extracting(Attempt::attemptNumber, Attempt::status, Attempt::responseStatusCode)
                .containsExactlyInAnyOrder(tuple(1, Attempt.FAIL, 500), tuple(2, Attempt.FAIL, 200));
        assertThat(deliveriesOf(p)).extracting(Row::status).containsExactlyInAnyOrder("failed", "succeeded");
        clock.advance(Duration.ofDays(4));
        assertThat(node.dispatcher().runDueOnce()).isZero();
        assertThat(receiver.received("/poison")).hasSize(2);
        assertThat(node.dispatcher().held()).isZero();
        allow("refuse_poison");
    }

    @Test
    void admission_whenTheStoreFailsToClaim_toRecord_orToHandBack_holdsNothingAfterwards_andLosesNothing() {
        Dispatcher d = node.dispatcher();
        endpoint("/free");

        // Claim: the queue cannot be read.
        Published first = publishUnleased(message("invoice.paid", null));
        withTableMissing("delivery", () -> assertThatThrownBy(d::runDueOnce).isInstanceOf(RuntimeException.class));
        assertThat(d.held()).as("after a failed claim").isZero();

        // Record: the attempt log cannot be written at all, not even a stand-in; the delivery is
        // given back, due a little later, and sent again then (at least once).
        withTableMissing("attempt", () -> assertThat(d.runDueOnce()).isEqualTo(1));
        assertThat(d.held()).as("after a failed record").isZero();
        assertThat(receiver.received("/free")).hasSize(1);
        assertThat(only(deliveriesOf(first))).extracting(Row::status, Row::attempts, Row::lockedBy).containsExactly("pending", 0, null);
        clock.advance(AttemptRunner.TROUBLE_BACKOFF);
        assertThat(d.runDueOnce()).isEqualTo(1);
        assertThat(receiver.received("/free")).hasSize(2);
        assertThat(attemptsOf(first)).extracting(Attempt::status).containsExactly(Attempt.SUCCESS);

        // Hand-back: a paced lane holds what its rate starts within the lease (25 at 1/s) and gives
        // the rest back, which the database refuses: they stay leased until the lease ends.
        String pacedApp = node.applications().create(new ApplicationIn("paced", "paced", null, null), false).application().id();
        node.endpoints().create(pacedApp, new EndpointIn(receiver.url("/paced"), null, null, null, 1, null, null, false,
                null, null, null));
        try (Handover full = d.handover(MAX_IN_MEMORY)) {
            for (int i = 0; i < 40; i++) {
                node.messages().create(pacedApp, message("invoice.paid", null));
            }
        }
        refuse("refuse_handback", "UPDATE", "delivery", "NEW.locked_by IS NULL AND NEW.status = 'pending' AND NEW.attempts = OLD.attempts");
        assertThat(runDueAdvancingTheClock(d)).isEqualTo(40);
        assertThat(d.held()).as("after a failed hand-back").isZero();
        long leftLeased = count("SELECT COUNT(*) FROM delivery WHERE status = 'pending' AND locked_by IS NOT NULL");
        assertThat(leftLeased).as("refused by the lane, not given back").isPositive();
        allow("refuse_handback");

        // Nothing lost: once their lease ends, they are claimed again and made (unpaced now, to be quick).
        db.useHandle(h -> h.execute("UPDATE endpoint SET rate_limit = NULL"));
        clock.advance(LEASE.plusSeconds(1));
        assertThat(d.runDueOnce()).isEqualTo(leftLeased);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(41);
        assertThat(count("SELECT COUNT(*) FROM attempt WHERE status = 0")).isEqualTo(41);
        assertThat(receiver.received("/paced")).hasSize(40);
        assertThat(d.held()).isZero();
    }

    /** {@code runDueOnce} for paced endpoints: moves the clock a second on after each receipt, until it returns. */
    int runDueAdvancingTheClock(Dispatcher d) {
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(d::runDueOnce);
        while (!run.isDone()) {
            int before = receiver.received().size();
            clock.advance(Duration.ofSeconds(1));
            d.clockMoved();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
                    .until(() -> run.isDone() || receiver.received().size() > before);
        }
        return run.join();
    }

    // --- deletes racing the dispatcher -----------------------------------------------------------

    @Test
    void attempt_afterItsEndpointWasDeletedSinceTheClaim_sendsNothing() {
        Endpoint deleted = endpoint("/deleted");
        Endpoint kept = endpoint("/kept");
        Published p = publishUnleased(message("invoice.paid", null));
        List<Deliveries.Claim> claims = leaseTo(node.dispatcher().node());
        assertThat(claims).hasSize(2);

        node.endpoints().delete(app, deleted.id());
        start(claims);
        awaitIdle(node);

        assertThat(receiver.received("/deleted")).isEmpty();
        assertThat(receiver.received("/kept")).hasSize(1);
        assertThat(deliveriesOf(p)).extracting(Row::endpointId, Row::status).containsExactly(tuple(kept.id(), "succeeded"));
        assertThat(attemptsOf(p)).extracting(Attempt::endpointId).containsExactly(kept.id());
    }

    @Test
    void attempt_afterItsMessageWasDeletedSinceTheClaim_sendsNothingAndFailsTheDelivery() {
        endpoint("/a");
        Published p = publishUnleased(message("invoice.paid", null));
        List<Deliveries.Claim> claims = leaseTo(node.dispatcher().node());
        assertThat(claims).hasSize(1);

        // No API deletes a single message; retention would, with this statement.
        db.useHandle(h -> h.execute("DELETE FROM message WHERE id = ?", p.message().id()));
        start(claims);
        awaitIdle(node);

        assertThat(receiver.received()).isEmpty();
        assertThat(row(claims.getFirst().id())).extracting(Row::status, Row::attempts, Row::lockedBy)
                .containsExactly("failed", 0, null);
        assertThat(count("SELECT COUNT(*) FROM attempt")).isZero();
        clock.advance(Duration.ofDays(4));
        assertThat(node.dispatcher().runDueOnce()).isZero();
    }

    // --- several nodes ---------------------------------------------------------------------------

    @Test
    void twoNodes_claimingTenThousandDeliveriesAtOnce_attemptEachExactlyOnce() throws Exception {
        // 100 endpoints keep every lane below its cap, so no delivery is pushed back for a second.
        for (int i = 0; i < 100; i++) {
            endpoint("/n" + i);
        }
        for (int i = 0; i < 100; i++) {
            publishUnleased(message("load.test", null));
        }
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending' AND locked_by IS NULL")).isEqualTo(10_000);
        // Both nodes send to one receiver on two cores: requests wait for CPU and connections, and
        // the timeout counts that wait. This test is about claims, so it gives them time.
        DispatcherSettings patient = new DispatcherSettings(LEASE, Duration.ZERO, MAX_IN_MEMORY,
                DispatcherSettings.DEFAULT_PER_ENDPOINT, Duration.ofSeconds(10), SETTINGS.shutdownGrace());
        stop(node);
        node = start(config(url, patient, RetryPolicy.DEFAULT_DELAYS));
        Herald other = start(config(url, patient, RetryPolicy.DEFAULT_DELAYS));

        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService two = Executors.newFixedThreadPool(2);
        int ranHere;
        int ranThere;
        try {
            Future<Integer> here = two.submit(() -> {
                together.await();
                return node.dispatcher().runDueOnce();
            });
            Future<Integer> there = two.submit(() -> {
                together.await();
                return other.dispatcher().runDueOnce();
            });
            ranHere = here.get(2, TimeUnit.MINUTES);
            ranThere = there.get(2, TimeUnit.MINUTES);
        } finally {
            two.shutdownNow();
        }

        assertThat(ranHere + ranThere).as("claims, %d + %d", ranHere, ranThere).isEqualTo(10_000);
        assertThat(ranHere).isPositive();
        assertThat(ranThere).isPositive();
        List<Received> got = receiver.received();
        assertThat(got).hasSize(10_000);
        assertThat(got.stream().map(r -> r.header("webhook-id") + " " + r.path()).distinct().count()).isEqualTo(10_000);
        assertThat(count("SELECT COUNT(*) FROM attempt")).isEqualTo(10_000);
        assertThat(count("SELECT COUNT(DISTINCT delivery_id) FROM attempt")).isEqualTo(10_000);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded' AND attempts = 1 AND locked_by IS NULL"))
                .as("succeeded at the first attempt; all deliveries: %s; failed attempts: %s",
                        table("SELECT status, attempts, locked_by IS NULL AS unleased, COUNT(*) AS n FROM delivery"
                                + " GROUP BY status, attempts, locked_by IS NULL"),
                        table("SELECT response_status_code, error, COUNT(*) AS n FROM attempt WHERE status <> 0"
                                + " GROUP BY response_status_code, error"))
                .isEqualTo(10_000);
        assertThat(node.dispatcher().attemptsMade() + other.dispatcher().attemptsMade()).isEqualTo(10_000);
    }

    @Test
    void close_ofANodeWithAttemptsStillRunning_givesItsLeasesToAnotherNodeAtOnce() {
        // One attempt at a time, and no grace: close gives back the leases of the hanging attempt
        // and of the two waiting behind it.
        Herald leaving = start(config(url,
                new DispatcherSettings(LEASE, Duration.ZERO, MAX_IN_MEMORY, 1, TIMEOUT, Duration.ZERO),
                RetryPolicy.DEFAULT_DELAYS));
        receiver.script("/slow", Reply.hang(Duration.ofSeconds(10)));
        endpoint("/slow");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(leaving.messages().create(app, message("invoice.paid", null)).message().id());
        }
        receiver.await("/slow", 1, Duration.ofSeconds(5));
        assertThat(node.dispatcher().runDueOnce()).as("leased to the other node").isZero();

        stop(leaving);

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded' AND locked_by IS NULL")).isEqualTo(3);
        // The hanging attempt was cut off unanswered, so its message went out twice, with one webhook-id.
        assertThat(webhookIds("/slow")).containsExactlyInAnyOrder(ids.get(0), ids.get(0), ids.get(1), ids.get(2));
    }

    @Test
    void start_afterANodeDiedHoldingLeases_resumesThemAtOnceOnlyWhereNoOtherProcessCanHoldThem() {
        endpoint("/a");
        Published p = publishUnleased(message("invoice.paid", null));
        assertThat(leaseTo("node-that-died")).hasSize(1);
        stop(node);

        node = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));

        if (singleProcess()) {
            // The lease can only be a dead process's: it is dropped at start.
            assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        } else {
            // The lease may be a live node's: it is honoured until it expires.
            assertThat(node.dispatcher().runDueOnce()).isZero();
            clock.advance(LEASE.plusMillis(1));
            assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        }
        assertThat(webhookIds("/a")).containsExactly(p.message().id());
        assertThat(deliveriesOf(p)).extracting(Row::status).containsExactly("succeeded");
    }

    // --- pacing across nodes ----------------------------------------------------------------------

    @Test
    void twoNodes_pacingOneEndpointAtTwoPerSecond_neverStartMoreThanTheRateBetweenThem_andDeliverAll() {
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        // A 10 s timeout: on a loaded machine an answer may take longer than the tests' 1 s, and a retry is not the point.
        Endpoint ep = node.endpoints().create(app, new EndpointIn(receiver.url("/paced"), null, null, null, 2, null, null,
                false, null, null, null, new DeliveryPolicy.In(null, null, null, null, 10_000)));
        long t0 = clock.millis();
        // Five born leased to each node: both nodes' lanes ask for the endpoint's slots at once.
        for (int i = 0; i < 5; i++) {
            node.messages().create(app, message("invoice.paid", null));
            other.messages().create(app, message("invoice.paid", null));
        }

        // Slots are 500 ms apart: by k half-seconds on, at most k + 1 attempts can have started, on
        // both nodes together. A slow machine only makes the count lower; a limit kept per node doubles it.
        int step = 0;
        while (receiver.received("/paced").size() < 10) {
            int allowed = step + 1;
            // Up to a second of real time for the slots now due; a slot a block left unused never comes.
            waitUpTo(Duration.ofSeconds(1), () -> receiver.received("/paced").size() >= Math.min(10, allowed));
            assertThat(receiver.received("/paced").size()).as("started by %d ms on", clock.millis() - t0)
                    .isLessThanOrEqualTo(allowed);
            assertThat(step).as("half-seconds to deliver 10 at 2/s (slots left unused by a node's block cost some)")
                    .isLessThan(40);
            clock.advance(Duration.ofMillis(500));
            node.dispatcher().clockMoved();
            other.dispatcher().clockMoved();
            step++;
        }

        awaitIdle(node);
        awaitIdle(other);
        assertThat(node.dispatcher().attemptsMade()).as("this node sent its own").isEqualTo(5);
        assertThat(other.dispatcher().attemptsMade()).as("the other node sent its own").isEqualTo(5);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded' AND endpoint_id = '" + ep.id() + "'"))
                .isEqualTo(10);
        assertThat(receiver.received("/paced")).hasSize(10);
    }

    @Test
    void maxInFlight_ofAnEndpoint_capsItsAttemptsAtOnceOnANode_whileAnotherKeepsTheServersCap() {
        // Timeouts of 10 s: on a loaded machine a 200 ms answer may take longer than the tests' 1 s.
        Endpoint capped = node.endpoints().create(app, new EndpointIn(receiver.url("/capped"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, 10_000, null, null, 2)));
        endpoint("/free");
        receiver.fallback(Reply.delayed(Duration.ofMillis(200), Reply.status(200)));

        // Twelve messages, each to both endpoints: twelve attempts ready at once for each.
        for (int i = 0; i < 12; i++) {
            publish(message("invoice.paid", null));
        }

        receiver.await("/capped", 12, Duration.ofSeconds(20));
        receiver.await("/free", 12, Duration.ofSeconds(20));
        awaitIdle(node);
        assertThat(capped.policy().maxInFlight()).isEqualTo(2);
        assertThat(receiver.mostAtOnce("/capped")).as("the endpoint's own cap").isEqualTo(2);
        assertThat(receiver.mostAtOnce("/free")).as("the server's cap of %d", DispatcherSettings.DEFAULT_PER_ENDPOINT)
                .isGreaterThan(2);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(24);
    }

    @Test
    void twoNodes_sendingToAnEndpointWithMaxInFlight2_neverHaveMoreThanTwoAtOnceBetweenThem_andDeliverAll() {
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        node.endpoints().create(app, new EndpointIn(receiver.url("/capped"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, 10_000, null, null, 2)));
        receiver.fallback(Reply.delayed(Duration.ofMillis(200), Reply.status(200)));

        // Five born leased to each node: each node's lane runs two, so four ask for the two places.
        for (int i = 0; i < 5; i++) {
            node.messages().create(app, message("invoice.paid", null));
            other.messages().create(app, message("invoice.paid", null));
        }
        // Those that found the cap full ask again as the clock moves.
        long realDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (receiver.received("/capped").size() < 10 && System.nanoTime() < realDeadline) {
            waitUpTo(Duration.ofMillis(50), () -> false);
            clock.advance(Flight.FULL_RETRY);
            node.dispatcher().clockMoved();
            other.dispatcher().clockMoved();
        }

        awaitIdle(node);
        awaitIdle(other);
        assertThat(receiver.received("/capped")).hasSize(10);
        assertThat(webhookIds("/capped")).doesNotHaveDuplicates();
        assertThat(receiver.mostAtOnce("/capped")).as("requests answered at once, both nodes together").isEqualTo(2);
        assertThat(node.dispatcher().attemptsMade() + other.dispatcher().attemptsMade()).isEqualTo(10);
        assertThat(count("SELECT COUNT(*) FROM flight")).as("every place given back").isZero();
    }

    @Test
    void anAttemptWaitingForAPlaceInFlight_whenItsEndpointIsDisabledMeanwhile_isNotSent() {
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        EndpointIn capped = new EndpointIn(receiver.url("/capped"), null, null, null, null, null, null, null, null, null,
                null, new DeliveryPolicy.In(null, null, null, null, 10_000, null, null, 1));
        Endpoint ep = node.endpoints().create(app, capped);
        receiver.fallback(Reply.delayed(Duration.ofMillis(700), Reply.status(200)));
        Published first = publish(message("invoice.paid", null));
        receiver.await("/capped", 1, Duration.ofSeconds(10));

        // The other node's attempt finds the one place taken and waits for it.
        Published second = other.messages().create(app, message("invoice.paid", null));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> other.dispatcher().held() == 1 && count("SELECT COUNT(*) FROM flight") == 1);
        node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/capped"), null, null, null, null, null, null,
                true, null, null, null, new DeliveryPolicy.In(null, null, null, null, 10_000, null, null, 1)));
        awaitIdle(node);
        clock.advance(Flight.FULL_RETRY);
        other.dispatcher().clockMoved();

        awaitIdle(other);
        assertThat(receiver.received("/capped")).as("only the first").hasSize(1);
        assertThat(only(deliveriesOf(first)).status()).isEqualTo("succeeded");
        assertThat(only(deliveriesOf(second))).extracting(Row::status, Row::attempts).containsExactly("failed", 0);
        assertThat(count("SELECT COUNT(*) FROM flight")).as("its place given back").isZero();
    }

    /** Returns once {@code done} holds or {@code max} of real time has passed, whichever comes first. */
    static void waitUpTo(Duration max, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aReceiversRetryAfter_pausesItsEndpointOnEveryNode_andItsOtherDeliveriesWaitForIt() {
        Herald other = start(config(url, SETTINGS, RetryPolicy.DEFAULT_DELAYS));
        receiver.script("/busy", Reply.status(429, Map.of("Retry-After", "3"), ""));
        endpoint("/busy");
        Published told = publish(message("invoice.paid", null));
        receiver.await("/busy", 1, Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> node.dispatcher().held() == 0);

        // Another delivery to the endpoint, on this node and on the other: both wait for the pause.
        Published here = publish(message("invoice.paid", null));
        Published there = other.messages().create(app, message("invoice.paid", null));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> node.dispatcher().held() == 1 && other.dispatcher().held() == 1);
        clock.advance(Duration.ofMillis(2_900));
        node.dispatcher().clockMoved();
        other.dispatcher().clockMoved();
        waitUpTo(Duration.ofMillis(300), () -> receiver.received("/busy").size() > 1);
        assertThat(receiver.received("/busy")).as("nothing before the pause ends").hasSize(1);

        clock.advance(Duration.ofMillis(100));
        node.dispatcher().clockMoved();
        other.dispatcher().clockMoved();
        receiver.await("/busy", 3, Duration.ofSeconds(5));
        awaitIdle(node);
        awaitIdle(other);
        assertThat(only(deliveriesOf(here)).status()).isEqualTo("succeeded");
        assertThat(only(deliveriesOf(there)).status()).isEqualTo("succeeded");
        // The told delivery itself keeps its own schedule: the Retry-After clamped to its 5 s step.
        assertThat(only(deliveriesOf(told))).extracting(Row::status, Row::nextAttemptAt)
                .containsExactly("pending", only(attemptsOf(told)).timestamp().toEpochMilli() + 5_000);
    }

    // --- ordering --------------------------------------------------------------------------------

    @Test
    void list_ofIdsThatALinguisticCollationWouldReorder_isStillNewestFirst() {
        // Ids are base62 with the alphabet in ASCII order: "msg_…Z…" was made before "msg_…a…". A
        // case-insensitive collation (en_US, ICU en-US) sorts them the other way round.
        String older = "msg_0000000000000000000Z";
        String newer = "msg_0000000000000000000a";
        db.useHandle(h -> {
            for (String id : List.of(newer, older)) {
                h.execute("""
                        INSERT INTO message (id, app_id, event_type, payload, created_at)
                        VALUES (?, ?, 'invoice.paid', '{}', 0)""", id, app);
            }
        });
        var page = node.messages().list(app, MessageQuery.ALL,
                new PageRequest(1, null, true));
        assertThat(page.data()).extracting(Message::id).containsExactly(newer);
        var next = node.messages().list(app, MessageQuery.ALL,
                new PageRequest(1, page.iterator(), true));
        assertThat(next.data()).extracting(Message::id).containsExactly(older);
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** A delivery row as the database holds it. */
    record Row(String id, String endpointId, String status, int attempts, Long nextAttemptAt, String lockedBy,
               Long lockedUntil, int version, long updatedAt) {}

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getString("id"), rs.getString("endpoint_id"), rs.getString("status"), rs.getInt("attempts"),
                longOrNull(rs, "next_attempt_at"), rs.getString("locked_by"), longOrNull(rs, "locked_until"),
                rs.getInt("version"), rs.getLong("updated_at"));
    }

    private static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    EngineConfig config(String url, DispatcherSettings settings, List<Duration> retryDelays) {
        return EngineConfig.defaults(url).withKeyring(TestKeys.KEYRING).withHttpsOnly(false).withAllowedTargets(List.of(Cidr.parse("127.0.0.1/32")))
                .withDispatcher(settings).withRetryDelays(retryDelays);
    }

    Herald start(EngineConfig config) {
        Herald h = Herald.start(config, clock, random);
        running.add(h);
        return h;
    }

    void stop(Herald h) {
        if (running.remove(h)) {
            h.close();
        }
    }

    @Test
    void endpointTimeout_savedUnderALongerLease_doesNotBlockUnrelatedChangesUnderAShorterOne() {
        // This node's 30 s lease covers timeouts up to 10 s; one with a 90 s lease allows 30 s.
        Herald longLease = start(config(url, SETTINGS.withLease(Duration.ofSeconds(90)), RetryPolicy.DEFAULT_DELAYS));
        Endpoint ep = longLease.endpoints().create(app, new EndpointIn(receiver.url("/slow"), null, null, null, null, null,
                null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, 30_000)));

        Endpoint renamed = node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/slow"), "renamed", null, null,
                null, null, null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, 30_000)));

        assertThat(renamed.description()).isEqualTo("renamed");
        assertThat(renamed.policy().timeoutMs()).isEqualTo(30_000);
        assertThatThrownBy(() -> node.endpoints().update(app, ep.id(), new EndpointIn(receiver.url("/slow"), null, null, null,
                null, null, null, null, null, null, null, new DeliveryPolicy.In(null, null, null, null, 20_000))))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("timeoutMs");
                    assertThat(e.reason()).contains("between 1000 and 10000").contains("HERALD_LEASE_SECONDS of at least 70");
                });
    }

    Endpoint endpoint(String path) {
        return endpoint(path, null, null, false);
    }

    Endpoint endpoint(String path, Set<String> types, Set<String> channels, boolean disabled) {
        return node.endpoints().create(app, new EndpointIn(receiver.url(path), null, null, null, null, types, channels,
                disabled, null, null, null));
    }

    static MessageIn message(String type, String eventId, String... channels) {
        return new MessageIn(type, eventId, "{\"order\": 1}", channels.length == 0 ? null : Set.of(channels),
                null);
    }

    Published publish(MessageIn in) {
        return node.messages().create(app, in);
    }

    /**
     * Publishes while the node has no room, as when it is full: the rows are written unleased, and
     * only a claim starts them.
     */
    Published publishUnleased(MessageIn in) {
        Dispatcher d = node.dispatcher();
        try (Handover full = d.handover(MAX_IN_MEMORY - d.held())) {
            assertThat(d.held()).isEqualTo(MAX_IN_MEMORY);
            return publish(in);
        }
    }

    /** Starts {@code claims}, leased to this node by the test, as publish starts what it wrote leased. */
    void start(List<Deliveries.Claim> claims) {
        try (Handover h = node.dispatcher().handover(claims.size())) {
            h.adopt(claims).start();
        }
    }

    /** Leases every due row to {@code owner}, as that node's claim would. */
    List<Deliveries.Claim> leaseTo(String owner) {
        long now = clock.millis();
        return tx(h -> Deliveries.claimDue(h, node.store().dialect(), owner, now, now + LEASE.toMillis(), 100));
    }

    <T> T tx(HandleCallback<T, RuntimeException> work) {
        return node.store().inTransaction(work);
    }

    /** A guarded update's outcome; typed {@code boolean} so that assertThat is not ambiguous. */
    boolean changes(HandleCallback<Boolean, RuntimeException> update) {
        return tx(update);
    }

    /** Runs {@code work} while {@code table} is renamed away, so that statements on it fail. */
    void withTableMissing(String table, Runnable work) {
        db.useHandle(h -> h.execute("ALTER TABLE " + table + " RENAME TO " + table + "_away"));
        try {
            work.run();
        } finally {
            db.useHandle(h -> h.execute("ALTER TABLE " + table + "_away RENAME TO " + table));
        }
    }

    static void awaitIdle(Herald h) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> h.dispatcher().held() == 0);
    }

    long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    /** The rows of {@code sql}, for failure messages. */
    List<Map<String, Object>> table(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapToMap().list());
    }

    Row row(String deliveryId) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM delivery WHERE id = :id").bind("id", deliveryId)
                .map((rs, ctx) -> row(rs)).one());
    }

    List<Row> deliveriesOf(Published p) {
        return db.withHandle(h -> h.createQuery("SELECT * FROM delivery WHERE message_id = :msg ORDER BY id")
                .bind("msg", p.message().id()).map((rs, ctx) -> row(rs)).list());
    }

    List<String> queuedFor(Published p) {
        return deliveriesOf(p).stream().map(Row::endpointId).toList();
    }

    List<Attempt> attemptsOf(Published p) {
        return node.attempts().byMessage(app, p.message().id(), AttemptQuery.ALL, new PageRequest(250, null, false))
                .data().stream().sorted(Comparator.comparing(Attempt::endpointId).thenComparing(Attempt::attemptNumber))
                .toList();
    }

    List<String> webhookIds(String path) {
        return receiver.received(path).stream().map(r -> r.header("webhook-id")).toList();
    }

    static <T> T only(List<T> list) {
        assertThat(list).hasSize(1);
        return list.getFirst();
    }
}
