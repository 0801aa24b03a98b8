package io.herald.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.app.ApplicationIn;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.RetryPolicy;
import io.herald.endpoint.EndpointIn;
import io.herald.message.MessageIn;
import io.herald.message.Messages.Published;
import io.herald.store.BatchedPurge;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retention purge on each database (one subclass per database): old messages go with their
 * deliveries and attempts, in batches; what still waits stays; a message's own payload retention.
 */
abstract class RetentionTest {
    static final Duration DAYS_30 = Duration.ofDays(30);
    final SettableClock clock = SettableClock.atNow();
    final LoopbackReceiver receiver = new LoopbackReceiver();
    Herald node;
    Jdbi db;
    String app;
    Retention retention;

    abstract String createDatabase();

    abstract void dropDatabase();

    /** The plan of {@code sql} with its parameters bound, one line per step, as the database tells it. */
    abstract List<String> plan(Handle h, String sql);

    /** True when {@code plan} reads a table whole rather than through an index. */
    abstract boolean scans(List<String> plan);

    @BeforeEach
    void start() {
        String url = createDatabase();
        node = Herald.start(EngineConfig.defaults(url).withKeyring(TestKeys.KEYRING).withHttpsOnly(false)
                .withAllowedTargets(List.of(Cidr.parse("127.0.0.1/32"))).withRetryDelays(RetryPolicy.DEFAULT_DELAYS)
                .withDispatcher(DispatcherSettings.DEFAULTS.withPollInterval(Duration.ZERO)), clock, new Random(15));
        db = Jdbi.create(url);
        app = node.applications().create(new ApplicationIn("retention", "retention", null, null), false).application().id();
        // Two messages a batch, no pause: several batches run in one purge.
        retention = new Retention(node.store(), clock, DAYS_30, new BatchedPurge(node.store(), 2, Duration.ZERO));
        receiver.script("/failing", Reply.status(500));
        node.endpoints().create(app, endpoint("/ok", "delivered"));
        node.endpoints().create(app, endpoint("/failing", "retried"));
    }

    @AfterEach
    void stop() {
        node.close();
        receiver.close();
        dropDatabase();
    }

    EndpointIn endpoint(String path, String type) {
        return new EndpointIn(receiver.url(path), null, null, null, null, Set.of(type), null, false, null, null, null);
    }

    Published publish(String type, Instant deliverAt, Duration payloadRetention) {
        Published p = node.messages().create(app, new MessageIn(type, null, "{\"n\": 1}", "payload", null, null, deliverAt,
                null, null, payloadRetention));
        await().atMost(Duration.ofSeconds(10)).until(() -> node.dispatcher().held() == 0);
        return p;
    }

    List<String> ids(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void purge_deletesMessagesOlderThanTheRetention_withTheirDeliveriesAndAttempts_inBatches_andKeepsWhatWaits() {
        for (int i = 0; i < 5; i++) {
            publish("delivered", null, null);
        }
        Published retrying = publish("retried", null, null);
        Published scheduled = publish("delivered", clock.instant().plus(Duration.ofHours(23)), null);
        clock.advance(DAYS_30.plusMinutes(1));
        Published recent = publish("delivered", null, null);
        assertThat(count("SELECT COUNT(*) FROM attempt")).isEqualTo(7);

        int purged = retention.purge();

        assertThat(ids("SELECT id FROM message ORDER BY id"))
                .containsExactlyInAnyOrder(retrying.message().id(), scheduled.message().id(), recent.message().id());
        assertThat(count("SELECT COUNT(*) FROM delivery")).isEqualTo(3);
        assertThat(ids("SELECT message_id FROM attempt ORDER BY id"))
                .containsExactly(retrying.message().id(), recent.message().id());
        assertThat(count("SELECT COUNT(*) FROM attempt WHERE message_id = '" + retrying.message().id()
                + "' AND request_body IS NULL AND NOT request_body_is_payload AND request_headers IS NULL"
                + " AND response_headers IS NULL AND response = ''"))
                .as("the old attempt of a waiting message keeps its row, not its content").isEqualTo(1);
        // The body sent was the payload: the attempt points at it instead of copying it.
        assertThat(count("SELECT COUNT(*) FROM attempt WHERE message_id = '" + recent.message().id()
                + "' AND request_body IS NULL AND request_body_is_payload")).isEqualTo(1);
        assertThat(node.messages().get(app, retrying.message().id()).payload()).isEqualTo("{\"n\": 1}");
        Retention.Purged counted = retention.purged();
        assertThat(List.of(counted.messages(), counted.deliveries(), counted.attempts(), counted.attemptContents(),
                counted.payloads())).containsExactly(5L, 5L, 5L, 1L, 0L);
        assertThat(purged).as("rows deleted or cleared").isEqualTo(5 + 5 + 5 + 1);
        assertThat(retention.purge()).as("nothing left to do").isZero();

        // What the metrics show of it: herald_retention_purged_total{kind}.
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        new io.herald.metrics.EngineMetrics(registry).retention(counted);
        assertThat(registry.get("herald.retention.purged").tag("kind", "messages").functionCounter().count()).isEqualTo(5);
        assertThat(registry.get("herald.retention.purged").tag("kind", "attempt_contents").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void purge_ofAMessageWhoseOwnPayloadRetentionRanOut_deletesItsPayloadAndAttemptBodies_onceNothingWaits() {
        Published short1 = publish("delivered", null, Duration.ofDays(1));
        Published shortButWaiting = publish("retried", null, Duration.ofHours(1));
        Published kept = publish("delivered", null, null);
        clock.advance(Duration.ofDays(1).minusMillis(1));
        retention.purge();
        assertThat(node.messages().get(app, short1.message().id()).payload()).as("not yet").isEqualTo("{\"n\": 1}");

        clock.advance(Duration.ofMillis(1));
        retention.purge();

        assertThat(node.messages().get(app, short1.message().id()).payload()).isEqualTo("{}");
        assertThat(count("SELECT COUNT(*) FROM attempt WHERE message_id = '" + short1.message().id()
                + "' AND request_body IS NULL AND NOT request_body_is_payload")).isEqualTo(1);
        assertThat(node.messages().get(app, shortButWaiting.message().id()).payload()).isEqualTo("{\"n\": 1}");
        assertThat(node.messages().get(app, kept.message().id()).payload()).isEqualTo("{\"n\": 1}");
        assertThat(count("SELECT COUNT(*) FROM attempt WHERE message_id = '" + kept.message().id()
                + "' AND request_body IS NULL AND request_body_is_payload")).isEqualTo(1);
        assertThat(retention.purged().payloads()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM message")).as("the rows stay until the server's retention").isEqualTo(3);
    }

    @Test
    void purge_ofManyExpiredPayloads_takesThemInBatches() {
        for (int i = 0; i < 5; i++) {
            publish("delivered", null, Duration.ofHours(1));
        }
        clock.advance(Duration.ofHours(2));

        retention.purge();

        assertThat(count("SELECT COUNT(*) FROM message WHERE payload = '{}' AND payload_expires_at IS NULL")).isEqualTo(5);
    }

    @Test
    void everyStatementOfThePurge_findsItsRowsThroughAnIndex_neverByScanningATable() {
        for (String sql : List.of(Retention.EXPIRED_PAYLOADS, Retention.OLD_MESSAGES, Retention.WAITING_AMONG, Retention.OLD_ATTEMPTS,
                Retention.DELETE_ATTEMPTS, Retention.DELETE_DELIVERIES, Retention.DELETE_MESSAGES, Retention.CLEAR_BODIES)) {
            List<String> plan = db.withHandle(h -> plan(h, sql));
            assertThat(scans(plan)).as(sql + "\n" + String.join("\n", plan)).isFalse();
        }
    }

    /** Binds every parameter the purge's statements take. */
    static <T extends SqlStatement<T>> T bound(T statement) {
        return statement.bind("now", 1L).bind("afterAt", 0L).bind("limit", 2).bind("after", "msg_").bind("last", "msg_z")
                .bindList("ids", List.of("msg_a", "msg_b"));
    }
}
