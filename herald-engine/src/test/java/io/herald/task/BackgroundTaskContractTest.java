package io.herald.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.Json;
import io.herald.app.ApplicationIn;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.EndpointIn;
import io.herald.endpoint.Endpoints;
import io.herald.message.MessageIn;
import io.herald.store.Ids;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Background tasks on every database Herald supports (one subclass each): batches, leases, a node
 * that dies in the middle of a task, and a runner that comes back after its lease was taken over.
 * The poller is off; tasks and deliveries run when a test says, at the test clock's time.
 */
abstract class BackgroundTaskContractTest {
    static final DispatcherSettings SETTINGS = new DispatcherSettings(Duration.ofSeconds(30), Duration.ZERO,
            DispatcherSettings.DEFAULT_MAX_IN_MEMORY, DispatcherSettings.DEFAULT_PER_ENDPOINT, Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    final SettableClock clock = SettableClock.atNow();
    final Random random = new Random(20_261_202);
    final LoopbackReceiver receiver = new LoopbackReceiver().fallback(Reply.status(500));
    Herald node;
    Jdbi db;
    String app;

    abstract String createDatabase();

    abstract void dropDatabase();

    @BeforeEach
    void startNode() {
        String url = createDatabase();
        node = Herald.start(EngineConfig.defaults(url).withHttpsOnly(false)
                .withAllowedTargets(List.of(Cidr.parse("127.0.0.1/32"))).withDispatcher(SETTINGS), clock, random);
        db = Jdbi.create(url);
        app = node.applications().create(new ApplicationIn("tasks", "tasks", null, null), false).application().id();
    }

    @AfterEach
    void stop() {
        receiver.close();
        node.close();
        dropDatabase();
    }

    @Test
    void recover_nodeDiesAfterFirstBatch_anotherResumesAfterLease_eachMessageQueuedOnce() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 1_200);
        clock.advance(Duration.ofSeconds(1));
        receiver.fallback(Reply.status(200));
        BackgroundTask task = node.tasks().recover(app, ep.id(), since, null);

        TaskRunner dead = runner("node-dead", TaskBatch.DEFAULT_SIZE);
        TaskRows.Row leased = dead.claim().orElseThrow();
        TaskRows.Row afterOne = dead.runBatch(leased).orElseThrow();
        assertThat(afterOne.task().status()).isEqualTo(BackgroundTask.Status.RUNNING);
        assertThat(afterOne.task().messagesQueued()).isEqualTo(500);
        // The node dies here. Its lease holds the task until it expires.
        assertThat(node.tasks().runDueOnce()).as("leased by the dead node").isZero();
        assertThat(node.tasks().get(task.id()).messagesQueued()).isEqualTo(500);

        clock.advance(BackgroundTasks.LEASE.plusSeconds(1));
        assertThat(node.tasks().runDueOnce()).as("the other 700 messages, in two batches").isEqualTo(2);
        BackgroundTask done = node.tasks().get(task.id());
        assertThat(done.status()).isEqualTo(BackgroundTask.Status.FINISHED);
        assertThat(done.messagesQueued()).isEqualTo(1_200);
        assertThat(deliveriesPerMessage()).as("the original and one recovery each").containsOnly(2L).hasSize(1_200);

        // The dead node was only stalled: its next batch, under the lease it lost, writes nothing.
        assertThat(dead.runBatch(afterOne)).isEmpty();
        assertThat(deliveriesPerMessage()).containsOnly(2L);

        assertThat(runAllDue()).isEqualTo(1_200);
        assertThat(receiver.received("/hook")).hasSize(2_400);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'succeeded'")).isEqualTo(1_200);
    }

    @Test
    void task_endpointDisabledBetweenBatches_failsSayingWhy_andKeepsWhatItQueued() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 3);
        clock.advance(Duration.ofSeconds(1));
        BackgroundTask task = node.tasks().recover(app, ep.id(), since, null);
        TaskRunner small = runner("node-small", 2);
        TaskRows.Row first = small.runBatch(small.claim().orElseThrow()).orElseThrow();
        assertThat(first.task().messagesQueued()).isEqualTo(2);

        node.store().inTransaction(h -> {
            Endpoints.disable(h, ep.id(), clock.millis());
            return null;
        });
        TaskRows.Row end = small.runBatch(first).orElseThrow();

        assertThat(end.task().status()).isEqualTo(BackgroundTask.Status.FAILED);
        assertThat(end.task().error()).contains(ep.id()).contains("disabled");
        assertThat(node.tasks().get(task.id()).messagesQueued()).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending'")).isEqualTo(2);
        assertThat(node.tasks().runDueOnce()).as("a failed task is not run again").isZero();
    }

    @Test
    void task_endpointDeleted_failsSayingSo() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 1);
        BackgroundTask task = node.tasks().replayMissing(app, ep.id(), since, null);
        node.endpoints().delete(app, ep.id());

        assertThat(node.tasks().runDueOnce()).isEqualTo(1);

        BackgroundTask end = node.tasks().get(task.id());
        assertThat(end.status()).isEqualTo(BackgroundTask.Status.FAILED);
        assertThat(end.error()).isEqualTo("endpoint " + ep.id() + " was deleted");
    }

    @Test
    void applicationDeleted_itsTasksAreDeletedWithIt() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        node.tasks().recover(app, ep.id(), since, null);
        String other = node.applications().create(new ApplicationIn("other", "other", null, null), false).application().id();
        Endpoint kept = node.endpoints().create(other, new EndpointIn(receiver.url("/other"), null, null, null, null, null, null,
                null, null, null, null));
        BackgroundTask keptTask = node.tasks().replayMissing(other, kept.id(), since, null);

        node.applications().delete(app);

        assertThat(db.withHandle(h -> h.createQuery("SELECT id FROM background_task").mapTo(String.class).list()).stream())
                .containsExactly(keptTask.id());
        assertThat(node.tasks().runDueOnce()).isEqualTo(1);
    }

    // --- helpers ---------------------------------------------------------------------------------

    TaskRunner runner(String name, int batchSize) {
        return new TaskRunner(node.store(), new TaskBatch(new Ids(clock, random), node.dispatcher(), node.store().dialect(),
                batchSize), clock, name, BackgroundTasks.LEASE, Duration.ZERO);
    }

    /** An endpoint whose deliveries fail for good at their first attempt (while the receiver answers 500). */
    Endpoint failingEndpoint() {
        return node.endpoints().create(app, new EndpointIn(receiver.url("/hook"), null, null, null, null, null, null,
                null, null, null, null, new DeliveryPolicy.In(null, null, null, Json.read("{\"retryCount\": 0}"), null)));
    }

    void publishFailingForGood(Endpoint ep, int n) {
        for (int i = 0; i < n; i++) {
            node.messages().create(app, new MessageIn("scan.finished", null, "{\"n\": " + i + "}", null, null));
        }
        // Deliveries that found the endpoint's lane full were given back for a second claim.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            clock.advance(Duration.ofSeconds(2));
            node.dispatcher().runDueOnce();
            return count("SELECT COUNT(*) FROM delivery WHERE status = 'failed' AND endpoint_id = '" + ep.id() + "'") == n;
        });
    }

    int runAllDue() {
        int total = 0;
        int ran;
        while ((ran = node.dispatcher().runDueOnce()) > 0) {
            total += ran;
        }
        return total;
    }

    List<Long> deliveriesPerMessage() {
        return db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM delivery GROUP BY message_id").mapTo(Long.class).list());
    }

    long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
