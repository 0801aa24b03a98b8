package io.herald.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.herald.EngineConfig;
import io.herald.HeraldException;
import io.herald.Herald;
import io.herald.Json;
import io.herald.app.ApplicationIn;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.EndpointIn;
import io.herald.endpoint.Endpoints;
import io.herald.message.MessageIn;
import io.herald.store.Ids;
import io.herald.testing.InterruptedDelete;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
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
        node = Herald.start(EngineConfig.defaults(url).withKeyring(TestKeys.KEYRING).withHttpsOnly(false)
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
    void recover_nodeDiesInItsSecondBatch_anotherResumesAfterLease_eachMessageQueuedOnce() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 1_200);
        clock.advance(Duration.ofSeconds(1));
        receiver.fallback(Reply.status(200));
        BackgroundTask task = node.tasks().recover(app, ep.id(), since, null);

        TaskRunner dead = runner("node-dead", TaskBatch.DEFAULT_SIZE);
        TaskRows.Row afterOne = dead.runBatch(dead.claim().orElseThrow()).orElseThrow();
        assertThat(afterOne.task().status()).isEqualTo(BackgroundTask.Status.RUNNING);
        assertThat(afterOne.task().messagesQueued()).isEqualTo(500);
        assertThat(afterOne.lockedBy()).as("released after its batch").isNull();
        TaskRows.Row second = dead.claim().orElseThrow();
        // The node dies here, in its second batch. Its lease holds the task until it expires.
        assertThat(node.tasks().runDueOnce()).as("leased by the dead node").isZero();
        assertThat(node.tasks().get(task.id()).messagesQueued()).isEqualTo(500);

        clock.advance(BackgroundTasks.LEASE.plusSeconds(1));
        assertThat(node.tasks().runDueOnce()).as("the other 700 messages, in two batches").isEqualTo(2);
        BackgroundTask done = node.tasks().get(task.id());
        assertThat(done.status()).isEqualTo(BackgroundTask.Status.FINISHED);
        assertThat(done.messagesQueued()).isEqualTo(1_200);
        assertThat(deliveriesPerMessage()).as("the original and one recovery each").containsOnly(2L).hasSize(1_200);

        // The dead node was only stalled: its batch, under the lease it lost, writes nothing.
        assertThat(dead.runBatch(second)).isEmpty();
        assertThat(deliveriesPerMessage()).containsOnly(2L);
        assertThat(node.tasks().get(task.id())).isEqualTo(done);

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
            Endpoints.disable(h, node.dispatcher().operationalEvents(), ep.id(), clock.millis(), null, "test");
            return null;
        });
        TaskRows.Row end = small.runBatch(small.claim().orElseThrow()).orElseThrow();

        assertThat(end.task().status()).isEqualTo(BackgroundTask.Status.FAILED);
        assertThat(end.task().error()).contains(ep.id()).contains("disabled");
        assertThat(node.tasks().get(task.id()).messagesQueued()).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE status = 'pending'")).isEqualTo(2);
        assertThat(node.tasks().runDueOnce()).as("a failed task is not run again").isZero();
    }

    @Test
    void task_batchFailsEveryTime_triedAgainEachLease_failsWithTheErrorAtTheFifth() {
        Endpoint ep = failingEndpoint("data.n >= 0");
        Instant since = clock.instant();
        publishFailingForGood(ep, 2);
        clock.advance(Duration.ofSeconds(1));
        Endpoint late = failingEndpoint("data.n >= 0");
        BackgroundTask task = node.tasks().replayMissing(app, late.id(), since, null);
        // A payload the filter cannot read: every batch that reaches it fails.
        db.useHandle(h -> h.createUpdate("UPDATE message SET payload = 'not json' WHERE id = (SELECT MIN(id) FROM message)").execute());

        for (int failure = 1; failure < TaskRunner.MAX_FAILURES; failure++) {
            assertThat(node.tasks().runDueOnce()).isZero();
            BackgroundTask t = node.tasks().get(task.id());
            assertThat(t.status()).isEqualTo(BackgroundTask.Status.RUNNING);
            assertThat(t.error()).as("visible while it is retried").startsWith("batch failed (" + failure + " of 5 tries): ");
            assertThat(node.tasks().runDueOnce()).as("not before a lease has passed").isZero();
            clock.advance(BackgroundTasks.LEASE.plusSeconds(1));
        }
        assertThat(node.tasks().runDueOnce()).isZero();

        BackgroundTask failed = node.tasks().get(task.id());
        assertThat(failed.status()).isEqualTo(BackgroundTask.Status.FAILED);
        assertThat(failed.error()).startsWith("gave up after 5 failed batches in a row; the last: ").hasSizeGreaterThan(55);
        assertThat(failed.messagesQueued()).isZero();
        clock.advance(BackgroundTasks.LEASE.plusSeconds(1));
        assertThat(node.tasks().runDueOnce()).isZero();
        assertThat(node.tasks().get(task.id())).isEqualTo(failed);
    }

    @Test
    void task_batchFailsThenSucceeds_finishesWithoutError() {
        Endpoint ep = failingEndpoint("data.n >= 0");
        Instant since = clock.instant();
        publishFailingForGood(ep, 2);
        clock.advance(Duration.ofSeconds(1));
        Endpoint late = failingEndpoint("data.n >= 0");
        BackgroundTask task = node.tasks().replayMissing(app, late.id(), since, null);
        String payload = db.withHandle(h -> h.createQuery("SELECT payload FROM message WHERE id = (SELECT MIN(id) FROM message)")
                .mapTo(String.class).one());
        db.useHandle(h -> h.createUpdate("UPDATE message SET payload = 'not json' WHERE id = (SELECT MIN(id) FROM message)").execute());
        for (int failure = 1; failure < TaskRunner.MAX_FAILURES; failure++) {
            assertThat(node.tasks().runDueOnce()).isZero();
            clock.advance(BackgroundTasks.LEASE.plusSeconds(1));
        }

        db.useHandle(h -> h.createUpdate("UPDATE message SET payload = :p WHERE id = (SELECT MIN(id) FROM message)")
                .bind("p", payload).execute());
        assertThat(node.tasks().runDueOnce()).isEqualTo(1);

        BackgroundTask done = node.tasks().get(task.id());
        assertThat(done.status()).isEqualTo(BackgroundTask.Status.FINISHED);
        assertThat(done.error()).isNull();
        assertThat(done.messagesQueued()).isEqualTo(2);
    }

    @Test
    void tasks_aLongOneAndAShortOne_takeTurnsBatchByBatch() {
        Endpoint big = failingEndpoint();
        Endpoint small = failingEndpoint();
        Instant since = clock.instant();
        publish(5);
        clock.advance(Duration.ofSeconds(1));
        Instant lastOnly = clock.instant();
        publish(1);
        awaitFailed(big, 6);
        awaitFailed(small, 6);
        clock.advance(Duration.ofSeconds(1));
        BackgroundTask long6 = node.tasks().recover(app, big.id(), since, null);
        clock.advance(Duration.ofSeconds(1));
        BackgroundTask short1 = node.tasks().recover(app, small.id(), lastOnly, null);
        long started = clock.millis();

        // Its time moves a millisecond at each read, so the order of the writes shows in created_at.
        Clock ticking = new Clock() {
            @Override
            public Instant instant() {
                clock.advance(Duration.ofMillis(1));
                return clock.instant();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        TaskRunner runner = new TaskRunner(node.store(), new TaskBatch(new Ids(clock, random), node.dispatcher().retryDelays(),
                node.store().dialect(), 2), ticking, "node-rr", BackgroundTasks.LEASE, Duration.ZERO,
                node.dispatcher().operationalEvents());
        assertThat(runner.runDueOnce()).as("3 full batches and an empty one; one batch").isEqualTo(5);

        assertThat(node.tasks().get(long6.id()).messagesQueued()).isEqualTo(6);
        assertThat(node.tasks().get(short1.id()).messagesQueued()).isEqualTo(1);
        List<Long> longWrites = createdAt(big, started);
        long shortWrite = createdAt(small, started).getFirst();
        assertThat(longWrites).hasSize(6);
        assertThat(longWrites.getFirst()).as("the older task first").isLessThan(shortWrite);
        assertThat(longWrites.getLast()).as("the short task did not wait for the long one's end").isGreaterThan(shortWrite);
        assertThat(longWrites.stream().filter(t -> t < shortWrite)).as("after one batch of the long one").hasSize(2);
    }

    @Test
    void recover_whileOneRunsOnTheEndpoint_isRefusedNamingIt() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 1);
        BackgroundTask first = node.tasks().recover(app, ep.id(), since, null);

        assertThatThrownBy(() -> node.tasks().recover(app, ep.id(), since, null))
                .isInstanceOf(HeraldException.Conflict.class)
                .hasMessageContaining(first.id()).hasMessageContaining(ep.id()).hasMessageContaining("endpoint.recover");
        BackgroundTask replay = node.tasks().replayMissing(app, ep.id(), since, null);
        assertThatThrownBy(() -> node.tasks().replayMissing(app, ep.id(), since, null))
                .isInstanceOf(HeraldException.Conflict.class).hasMessageContaining(replay.id());
        assertThat(count("SELECT COUNT(*) FROM background_task")).isEqualTo(2);

        node.tasks().runDueOnce();
        assertThat(node.tasks().get(first.id()).status()).isEqualTo(BackgroundTask.Status.FINISHED);
        assertThat(node.tasks().recover(app, ep.id(), since, null).status()).as("once the first ended")
                .isEqualTo(BackgroundTask.Status.RUNNING);
    }

    @Test
    void batch_deliveryQueuedBetweenPlanAndWrite_isNotQueuedAgain() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 2);
        clock.advance(Duration.ofSeconds(1));
        List<String> messages = db.withHandle(h -> h.createQuery("SELECT id FROM message ORDER BY id").mapTo(String.class).list());
        BackgroundTask task = node.tasks().recover(app, ep.id(), since, null);
        TaskRunner runner = runner("node-split", TaskBatch.DEFAULT_SIZE);
        TaskBatch batch = batchOf500();
        TaskRows.Row leased = runner.claim().orElseThrow();

        Optional<TaskBatch.Plan> plan = node.store().read(h -> batch.plan(h, leased));
        assertThat(plan.orElseThrow().chosen()).hasSize(2);
        // Between the plan and the write: a resend of the first, and the second's payload deleted.
        node.messages().resend(app, messages.get(0), ep.id());
        node.messages().expungeContent(app, messages.get(1));
        TaskRows.Row written = node.store().inTransaction(h -> batch.write(h, leased, plan, clock.millis()));

        assertThat(written.task().status()).isEqualTo(BackgroundTask.Status.FINISHED);
        assertThat(written.task().messagesQueued()).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE trigger_type = 1")).as("the resend only").isEqualTo(1);
        assertThat(node.tasks().get(task.id()).messagesQueued()).isZero();
    }

    @Test
    void replayMissing_messageDeliveredBetweenPlanAndWrite_isNotQueuedAgain() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 1);
        clock.advance(Duration.ofSeconds(1));
        String message = db.withHandle(h -> h.createQuery("SELECT id FROM message").mapTo(String.class).one());
        Endpoint late = failingEndpoint();
        node.tasks().replayMissing(app, late.id(), since, null);
        TaskRunner runner = runner("node-split", TaskBatch.DEFAULT_SIZE);
        TaskBatch batch = batchOf500();
        TaskRows.Row leased = runner.claim().orElseThrow();

        Optional<TaskBatch.Plan> plan = node.store().read(h -> batch.plan(h, leased));
        assertThat(plan.orElseThrow().chosen()).hasSize(1);
        node.messages().resend(app, message, late.id());
        TaskRows.Row written = node.store().inTransaction(h -> batch.write(h, leased, plan, clock.millis()));

        assertThat(written.task().messagesQueued()).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery WHERE endpoint_id = '" + late.id() + "'")).isEqualTo(1);
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

    @Test
    void applicationDeletedBetweenPlanAndWrite_theBatchQueuesNothing_andTheTaskGoesWithTheApplication() {
        Endpoint ep = failingEndpoint();
        Instant since = clock.instant();
        publishFailingForGood(ep, 2);
        clock.advance(Duration.ofSeconds(1));
        node.tasks().recover(app, ep.id(), since, null);
        TaskRunner runner = runner("node-split", TaskBatch.DEFAULT_SIZE);
        TaskBatch batch = batchOf500();
        TaskRows.Row leased = runner.claim().orElseThrow();
        Optional<TaskBatch.Plan> plan = node.store().read(h -> batch.plan(h, leased));
        assertThat(plan.orElseThrow().chosen()).hasSize(2);
        long deliveries = count("SELECT COUNT(*) FROM delivery");

        // Between the plan and the write, the delete's first transaction: the application's row is gone,
        // its task and endpoint not yet.
        InterruptedDelete.ofApplication(db, app, clock.millis());
        assertThatThrownBy(() -> node.store().inTransaction(h -> batch.write(h, leased, plan, clock.millis())))
                .isInstanceOf(TaskBatch.LeaseLost.class).hasMessageContaining("application " + app + " was deleted");
        assertThat(count("SELECT COUNT(*) FROM delivery")).as("nothing queued").isEqualTo(deliveries);

        assertThat(node.applications().finishDeletions()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM background_task")).isZero();
        assertThat(count("SELECT COUNT(*) FROM delivery")).isZero();
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

    // --- helpers ---------------------------------------------------------------------------------

    TaskRunner runner(String name, int batchSize) {
        return new TaskRunner(node.store(), new TaskBatch(new Ids(clock, random), node.dispatcher().retryDelays(),
                node.store().dialect(), batchSize), clock, name, BackgroundTasks.LEASE, Duration.ZERO,
                node.dispatcher().operationalEvents());
    }

    /** An endpoint whose deliveries fail for good at their first attempt (while the receiver answers 500). */
    Endpoint failingEndpoint() {
        return failingEndpoint(null);
    }

    /**
     * The same with a payload filter; null for none. Its circuit never opens, so that every one of
     * many deliveries fails at its attempt instead of being held.
     */
    Endpoint failingEndpoint(String filter) {
        return node.endpoints().create(app, new EndpointIn(receiver.url("/hook"), null, null, null, null, null, null,
                null, null, null, null, new DeliveryPolicy.In(null, filter, null, Json.read("{\"retryCount\": 0}"), null,
                Json.read("{\"failures\": " + CircuitBreaker.MAX_FAILURES + "}"))));
    }

    /** The created_at of the endpoint's deliveries queued at {@code from} or later, in order. */
    List<Long> createdAt(Endpoint ep, long from) {
        return db.withHandle(h -> h.createQuery("""
                SELECT created_at FROM delivery WHERE endpoint_id = :ep AND created_at >= :from ORDER BY created_at""")
                .bind("ep", ep.id()).bind("from", from).mapTo(Long.class).list());
    }

    void publishFailingForGood(Endpoint ep, int n) {
        publish(n);
        awaitFailed(ep, n);
    }

    void publish(int n) {
        for (int i = 0; i < n; i++) {
            node.messages().create(app, new MessageIn("scan.finished", null, "{\"n\": " + i + "}", null, null));
        }
    }

    void awaitFailed(Endpoint ep, int n) {
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

    /** A batch of 500 messages run step by step (plan, then write), for what happens between the two. */
    private TaskBatch batchOf500() {
        return new TaskBatch(new Ids(clock, random), node.dispatcher().retryDelays(), node.store().dialect(), 500);
    }

    long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
