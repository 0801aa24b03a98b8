package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Recover, replay-missing and the background tasks that run them, endpoint stats, and the
 * attempted-messages and attempted-destinations lists, through the HTTP API against real
 * receivers on loopback. Time and work move only when the test says: {@code runTasks()} runs due
 * background tasks, {@code runDue()} the deliveries they queued. Run against each database by a
 * subclass.
 */
abstract class RecoveryEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String APP = "/api/v1/app/acme";

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of());
        receiver = new LoopbackReceiver();
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    // --- recover ---------------------------------------------------------------------------------

    @Test
    void recover_afterReceiverComesBack_redeliversExactlyTheFailedMessagesOfTheWindow() {
        herald.post("/api/v1/event-type", "{\"name\": \"scan.finished\", \"description\": \"d\", \"example\": {\"n\": 0}}", 201);
        receiver.fallback(Reply.status(500));
        String ep = endpoint("/hook", "\"retry\": {\"retryCount\": 0}");
        String old = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
        step();
        Instant since = herald.clock.instant();
        String failed1 = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}");
        step();
        String failed2 = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 3}}");
        step();
        String resent = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 4}}");
        step();
        // Failed for good too, but its payload is deleted: it is never sent again.
        String expunged = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 8}}");
        TestHerald.expect(herald.api.delete(APP + "/msg/" + expunged + "/content"), 204);
        step();
        receiver.script("/hook", Reply.status(200));
        herald.post(APP + "/msg/" + resent + "/endpoint/" + ep + "/resend", null, 202);
        herald.awaitAttempts("acme", resent, 2);
        step();
        receiver.script("/hook", Reply.status(200));
        String delivered = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 5}}");
        step();
        String example = herald.post(APP + "/endpoint/" + ep + "/send-example", "{\"eventType\": \"scan.finished\"}", 202)
                .get("id").asString();
        herald.awaitAttempts("acme", example, 1);
        step();
        // One retry for this message only: its first attempt fails and it waits, pending, for the second.
        patch(APP + "/endpoint/" + ep, "{\"retry\": {\"retryCount\": 1}}");
        String pending = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 6}}");
        patch(APP + "/endpoint/" + ep, "{\"retry\": {\"retryCount\": 0}}");
        step();
        Instant until = herald.clock.instant();
        step();
        String later = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 7}}");
        int before = receiver.received("/hook").size();

        receiver.fallback(Reply.status(200));
        JsonNode task = herald.post(APP + "/endpoint/" + ep + "/recover",
                "{\"since\": \"" + since + "\", \"until\": \"" + until + "\"}", 202);
        assertThat(task.get("id").asString()).startsWith("qtask_");
        assertThat(task.get("status").asString()).isEqualTo("running");
        assertThat(task.get("task").asString()).isEqualTo("endpoint.recover");
        assertThat(Instant.parse(task.get("updatedAt").asString())).isEqualTo(herald.clock.instant());
        assertThat(herald.runDue()).as("a task queues nothing until it runs").isZero();

        assertThat(herald.runTasks()).isEqualTo(1);
        assertThat(herald.runDue()).isEqualTo(2);

        assertThat(receiver.received("/hook").subList(before, receiver.received("/hook").size()))
                .extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrder(failed1, failed2);
        JsonNode retried = herald.awaitAttempts("acme", failed1, 2).get(0);
        assertThat(retried.get("status").asInt()).isZero();
        assertThat(retried.get("triggerType").asInt()).as("manual").isEqualTo(1);
        JsonNode done = herald.get("/api/v1/background-task/" + task.get("id").asString());
        assertThat(done.get("status").asString()).isEqualTo("finished");
        assertThat(done.get("task").asString()).isEqualTo("endpoint.recover");
        assertThat(done.get("data").get("messagesSent").asLong()).isEqualTo(2);
        assertThat(done.get("data").get("endpointId").asString()).isEqualTo(ep);
        assertThat(List.of(old, resent, expunged, delivered, example, pending, later)).doesNotContain(failed1, failed2);
        assertThat(herald.runTasks()).as("a finished task does not run again").isZero();
    }

    @Test
    void recover_sameWindowTwice_secondRefusedWhileTheFirstRuns_thenQueuesNothingAgain() {
        receiver.fallback(Reply.status(500));
        String ep = endpoint("/hook", "\"retry\": {\"retryCount\": 0}");
        Instant since = herald.clock.instant();
        String failed = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {}}");
        step();

        String body = "{\"since\": \"" + since + "\"}";
        String first = herald.post(APP + "/endpoint/" + ep + "/recover", body, 202).get("id").asString();
        ApiClient.Answer refused = herald.api.post(APP + "/endpoint/" + ep + "/recover", body);
        assertProblem(refused, 409, "endpointId");
        assertThat(refused.body().get("detail").asString()).as(refused.raw()).contains(first).contains("endpoint.recover");
        assertThat(herald.post(APP + "/endpoint/" + ep + "/replay-missing", body, 202).get("task").asString())
                .as("another type of task on the endpoint").isEqualTo("endpoint.replay");
        herald.runTasks();
        String second = herald.post(APP + "/endpoint/" + ep + "/recover", body, 202).get("id").asString();
        herald.runTasks();

        assertThat(herald.get("/api/v1/background-task/" + first).get("data").get("messagesSent").asLong()).isEqualTo(1);
        assertThat(herald.get("/api/v1/background-task/" + second).get("data").get("messagesSent").asLong())
                .as("the second task finds the first one's delivery pending").isZero();
        receiver.fallback(Reply.status(200));
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(receiver.received("/hook")).extracting(r -> r.header("webhook-id")).containsExactly(failed, failed);
    }

    @Test
    void recover_badInput_422NamingTheField() {
        String ep = endpoint("/hook", "");
        String disabled = endpoint("/off", "\"disabled\": true");
        Instant now = herald.clock.instant();
        String path = APP + "/endpoint/" + ep;

        assertProblem(herald.api.post(path + "/recover", "{}"), 422, "since");
        assertProblem(herald.api.post(path + "/recover", "{\"since\": \"yesterday\"}"), 422, "since");
        assertProblem(herald.api.post(path + "/recover", "{\"since\": 12}"), 422, "since");
        assertProblem(herald.api.post(path + "/recover", "{\"since\": \"" + now.plusSeconds(60) + "\"}"), 422, "since");
        assertProblem(herald.api.post(path + "/recover", "{\"since\": \"" + now.minusSeconds(60) + "\", \"until\": \""
                + now.minusSeconds(120) + "\"}"), 422, "since");
        assertProblem(herald.api.post(path + "/recover", "{\"since\": \"" + now + "\", \"until\": \"soon\"}"), 422, "until");
        assertProblem(herald.api.post(path + "/replay-missing", "{}"), 422, "since");
        assertProblem(herald.api.post(APP + "/endpoint/" + disabled + "/recover", "{\"since\": \"" + now + "\"}"), 422, "endpointId");
        assertProblem(herald.api.post(APP + "/endpoint/" + disabled + "/replay-missing", "{\"since\": \"" + now + "\"}"), 422, "endpointId");
        assertThat(herald.api.post(APP + "/endpoint/ep_nope/recover", "{\"since\": \"" + now + "\"}").status()).isEqualTo(404);
        assertThat(herald.get("/api/v1/background-task").get("data")).as("nothing was started").isEmpty();
    }

    // --- replay-missing --------------------------------------------------------------------------

    @Test
    void replayMissing_queuesWhatADisabledOrFilteredEndpointNeverGot_andNothingTwice() {
        String ep = endpoint("/hook", "\"filterTypes\": [\"scan.*\"], \"filter\": \"data.severity >= 3\"");
        patch(APP + "/endpoint/" + ep, "{\"disabled\": true}");
        String beforeWindow = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 5}}");
        step();
        Instant since = herald.clock.instant();
        patch(APP + "/endpoint/" + ep, "{\"disabled\": false}");
        String got = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 5}}");
        step();
        String otherType = publish("{\"eventType\": \"finding.created\", \"payload\": {\"severity\": 5}}");
        String lowSeverity = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 1}}");
        step();
        patch(APP + "/endpoint/" + ep, "{\"disabled\": true}");
        String whileDisabled = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 4}, \"channels\": [\"c1\"]}");
        String stillLow = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 2}}");
        step();
        // Its subscription now: scan.* and finding.*, severity 3 and up.
        patch(APP + "/endpoint/" + ep, "{\"disabled\": false, \"filterTypes\": [\"scan.*\", \"finding.*\"]}");
        step();
        int before = receiver.received("/hook").size();

        String body = "{\"since\": \"" + since + "\"}";
        JsonNode task = herald.post(APP + "/endpoint/" + ep + "/replay-missing", body, 202);
        assertThat(task.get("task").asString()).isEqualTo("endpoint.replay");
        assertThat(task.get("status").asString()).isEqualTo("running");
        herald.runTasks();
        assertThat(herald.runDue()).isEqualTo(2);
        assertThat(receiver.received("/hook").subList(before, receiver.received("/hook").size()))
                .extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrder(otherType, whileDisabled);
        assertThat(List.of(beforeWindow, got, lowSeverity, stillLow)).doesNotContain(otherType, whileDisabled);
        assertThat(herald.get("/api/v1/background-task/" + task.get("id").asString()).get("data").get("messagesSent").asLong())
                .isEqualTo(2);

        step();
        String again = herald.post(APP + "/endpoint/" + ep + "/replay-missing", body, 202).get("id").asString();
        herald.runTasks();
        assertThat(herald.runDue()).as("nothing twice").isZero();
        JsonNode second = herald.get("/api/v1/background-task/" + again);
        assertThat(second.get("status").asString()).isEqualTo("finished");
        assertThat(second.get("data").get("messagesSent").asLong()).isZero();
    }

    @Test
    void replayMissing_endpointCreatedLater_getsTheWindowsMessagesItSubscribesTo() {
        // The earliest time there is: every message of the application is in the window.
        Instant since = Instant.EPOCH;
        String scan = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}");
        String onChannel = publish("{\"eventType\": \"scan.finished\", \"payload\": {}, \"channels\": [\"campaign-42\"]}");
        String elsewhere = publish("{\"eventType\": \"scan.finished\", \"payload\": {}, \"channels\": [\"campaign-7\"]}");
        String scheduled = publish("{\"eventType\": \"scan.finished\", \"payload\": {}, \"channels\": [\"campaign-42\"], "
                + "\"deliverAt\": \"" + herald.clock.instant().plus(Duration.ofHours(1)) + "\"}");
        step();
        String ep = endpoint("/scoped", "\"channels\": [\"campaign-42\"]");

        herald.post(APP + "/endpoint/" + ep + "/replay-missing", "{\"since\": \"" + since + "\"}", 202);
        herald.runTasks();
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(receiver.received("/scoped")).extracting(r -> r.header("webhook-id")).containsExactly(onChannel);
        assertThat(List.of(scan, elsewhere)).doesNotContain(onChannel);
        herald.advance(Duration.ofHours(1));
        assertThat(herald.runDue()).as("a scheduled message is replayed at its deliverAt").isEqualTo(1);
        assertThat(receiver.received("/scoped")).extracting(r -> r.header("webhook-id")).containsExactly(onChannel, scheduled);
    }

    // --- background-task list --------------------------------------------------------------------

    @Test
    void backgroundTaskList_filtersAndPages() {
        String ep = endpoint("/hook", "");
        Instant since = herald.clock.instant();
        step();
        String recover = herald.post(APP + "/endpoint/" + ep + "/recover", "{\"since\": \"" + since + "\"}", 202).get("id").asString();
        herald.runTasks();
        step();
        String replay = herald.post(APP + "/endpoint/" + ep + "/replay-missing", "{\"since\": \"" + since + "\"}", 202)
                .get("id").asString();

        assertThat(ids(herald.get("/api/v1/background-task"))).as("newest first").containsExactly(replay, recover);
        assertThat(ids(herald.get("/api/v1/background-task?order=ascending"))).containsExactly(recover, replay);
        assertThat(ids(herald.get("/api/v1/background-task?status=finished"))).containsExactly(recover);
        assertThat(ids(herald.get("/api/v1/background-task?status=running"))).containsExactly(replay);
        assertThat(ids(herald.get("/api/v1/background-task?task=endpoint.replay"))).containsExactly(replay);
        assertThat(ids(herald.get("/api/v1/background-task?task=sdk.generate"))).as("a Svix type Herald never runs").isEmpty();
        JsonNode page1 = herald.get("/api/v1/background-task?limit=1");
        assertThat(ids(page1)).containsExactly(replay);
        assertThat(page1.get("done").asBoolean()).isFalse();
        JsonNode page2 = herald.get("/api/v1/background-task?limit=1&iterator=" + page1.get("iterator").asString());
        assertThat(ids(page2)).containsExactly(recover);
        assertThat(page2.get("done").asBoolean()).isTrue();
        JsonNode one = herald.get("/api/v1/background-task/" + recover);
        assertThat(one.get("data").get("since").asString()).isEqualTo(since.toString());

        assertProblem(herald.api.get("/api/v1/background-task?status=paused"), 422, "status");
        assertProblem(herald.api.get("/api/v1/background-task?task=endpoint.teleport"), 422, "task");
        assertThat(herald.api.get("/api/v1/background-task/qtask_nope").status()).isEqualTo(404);
    }

    // --- stats -----------------------------------------------------------------------------------

    @Test
    void stats_countDeliveriesByState_inTheWindow() {
        String ep = endpoint("/hook", "\"retry\": {\"retryCount\": 1}, \"timeoutMs\": 30000");
        Instant start = herald.clock.instant();
        receiver.script("/hook", Reply.status(200));
        publishAndAwait("{\"eventType\": \"a\", \"payload\": {}}");
        receiver.script("/hook", Reply.status(500), Reply.status(500));
        String failing = publishAndAwait("{\"eventType\": \"a\", \"payload\": {}}");
        herald.advance(Duration.ofSeconds(7));
        herald.runDue();
        herald.awaitAttempts("acme", failing, 2);
        receiver.script("/hook", Reply.status(503));
        publishAndAwait("{\"eventType\": \"a\", \"payload\": {}}");
        String stats = APP + "/endpoint/" + ep + "/stats";

        assertStats(herald.get(stats), 1, 1, 1, 0);
        assertStats(herald.get(stats + "?since=1900-01-01T00:00:00Z"), 1, 1, 1, 0);
        assertStats(herald.get(stats + "?since=" + herald.clock.instant().plusSeconds(1)), 0, 0, 0, 0);
        assertStats(herald.get(stats + "?until=" + start), 0, 0, 0, 0);
        assertStats(herald.get(stats + "?since=" + start + "&until=" + herald.clock.instant().plusSeconds(1)), 1, 1, 1, 0);
        assertProblem(herald.api.get(stats + "?since=" + herald.clock.instant() + "&until=" + start.minusSeconds(1)), 422, "since");
        assertProblem(herald.api.get(stats + "?since=noon"), 422, "since");

        // A delivery whose attempt is under way is held by a live lease: sending. The receiver says
        // nothing until the test ends (the endpoint waits 30 s), so the count cannot change under us.
        receiver.script("/hook", Reply.hang(Duration.ofSeconds(60)));
        publish("{\"eventType\": \"a\", \"payload\": {}}");
        receiver.await("/hook", 5, WAIT);
        assertStats(herald.get(stats), 1, 1, 1, 1);
    }

    // --- attempted messages and destinations ---------------------------------------------------------

    @Test
    void attemptedMessages_latestStatusPerMessage_withFiltersAndPaging() {
        String ep = endpoint("/hook", "\"retry\": {\"retryCount\": 1}");
        receiver.script("/hook", Reply.status(200));
        String ok = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}, \"channels\": [\"c1\"], \"tags\": [\"t1\"]}");
        step();
        receiver.script("/hook", Reply.status(500));
        String pending = publishAndAwait("{\"eventType\": \"finding.created\", \"payload\": {\"n\": 2}}");
        step();
        receiver.script("/hook", Reply.status(500));
        String resent = publishAndAwait("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 3}}");
        step();
        receiver.script("/hook", Reply.status(200));
        herald.post(APP + "/msg/" + resent + "/endpoint/" + ep + "/resend", null, 202);
        herald.awaitAttempts("acme", resent, 2);
        String list = APP + "/endpoint/" + ep + "/msg";

        JsonNode all = herald.get(list);
        assertThat(ids(all)).as("newest first").containsExactly(resent, pending, ok);
        JsonNode first = all.get("data").get(0);
        assertThat(first.get("status").asInt()).as("the latest delivery, the resend, got through").isZero();
        assertThat(first.get("statusText").asString()).isEqualTo("success");
        assertThat(first.get("payload").get("n").asInt()).isEqualTo(3);
        assertThat(first.get("eventType").asString()).isEqualTo("scan.finished");
        JsonNode second = all.get("data").get(1);
        assertThat(second.get("status").asInt()).isEqualTo(1);
        assertThat(second.get("statusText").asString()).isEqualTo("pending");
        assertThat(Instant.parse(second.get("nextAttempt").asString())).isAfter(herald.clock.instant());
        assertThat(all.get("data").get(2).get("nextAttempt").isNull()).isTrue();

        assertThat(ids(herald.get(list + "?status=1"))).containsExactly(pending);
        assertThat(ids(herald.get(list + "?status=0"))).containsExactly(resent, ok);
        assertThat(ids(herald.get(list + "?status=2"))).isEmpty();
        assertThat(ids(herald.get(list + "?channel=c1"))).containsExactly(ok);
        assertThat(ids(herald.get(list + "?tag=t1"))).containsExactly(ok);
        assertThat(ids(herald.get(list + "?event_types=finding.created"))).containsExactly(pending);
        assertThat(ids(herald.get(list + "?event_types=finding.created&event_types=scan.finished"))).hasSize(3);
        assertThat(ids(herald.get(list + "?before=" + herald.clock.instant().minusSeconds(1)))).containsExactly(pending, ok);
        assertThat(ids(herald.get(list + "?after=" + herald.clock.instant().minusSeconds(3)))).containsExactly(resent, pending);
        assertThat(herald.get(list + "?with_content=false").get("data").get(0).get("payload").isEmpty()).isTrue();
        assertThat(ids(herald.get(list + "?expanded_statuses=true"))).hasSize(3);

        JsonNode page1 = herald.get(list + "?limit=2");
        assertThat(ids(page1)).containsExactly(resent, pending);
        assertThat(page1.get("done").asBoolean()).isFalse();
        JsonNode page2 = herald.get(list + "?limit=2&iterator=" + page1.get("iterator").asString());
        assertThat(ids(page2)).containsExactly(ok);
        assertThat(page2.get("done").asBoolean()).isTrue();
        assertThat(ids(herald.get(list + "?limit=2&iterator=" + page2.get("prevIterator").asString()))).containsExactly(resent, pending);

        assertThat(ids(herald.get(list + "?status=4"))).as("Svix's canceled: Herald cancels nothing").isEmpty();
        assertProblem(herald.api.get(list + "?status=5"), 422, "status");
        assertProblem(herald.api.get(list + "?status=x"), 422, "status");
        assertProblem(herald.api.get(list + "?channel=a%20b"), 422, "channel");
        assertProblem(herald.api.get(list + "?before=now"), 422, "before");
        assertProblem(herald.api.get(list + "?with_content=maybe"), 422, "with_content");
        assertThat(herald.api.get(APP + "/endpoint/ep_nope/msg").status()).isEqualTo(404);
    }

    @Test
    void attemptedDestinations_eachEndpointWithItsLatestStatus_ascendingAndPaged() {
        receiver.script("/ok", Reply.status(200));
        receiver.script("/failing", Reply.status(500));
        String okEp = endpoint("/ok", "");
        String failingEp = endpoint("/failing", "\"retry\": {\"retryCount\": 0}");
        endpoint("/other", "\"filterTypes\": [\"other.type\"]");
        String msg = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}");
        herald.awaitAttempts("acme", msg, 2);
        String list = APP + "/msg/" + msg + "/endpoint";

        JsonNode all = herald.get(list);
        List<String> expected = new ArrayList<>(List.of(okEp, failingEp));
        expected.sort(null);
        assertThat(ids(all)).as("ascending by id; not the endpoint that was never attempted").isEqualTo(expected);
        for (JsonNode e : all.get("data")) {
            boolean isOk = e.get("id").asString().equals(okEp);
            assertThat(e.get("status").asInt()).isEqualTo(isOk ? 0 : 2);
            assertThat(e.get("statusText").asString()).isEqualTo(isOk ? "success" : "fail");
            assertThat(e.get("url").asString()).isEqualTo(receiver.url(isOk ? "/ok" : "/failing"));
            assertThat(e.has("createdAt") && e.has("updatedAt") && e.has("description") && e.has("disabled")).isTrue();
            assertThat(e.get("nextAttempt").isNull()).isTrue();
        }
        JsonNode page1 = herald.get(list + "?limit=1");
        assertThat(ids(page1)).containsExactly(expected.get(0));
        assertThat(ids(herald.get(list + "?limit=1&iterator=" + page1.get("iterator").asString()))).containsExactly(expected.get(1));
        assertThat(herald.api.get(APP + "/msg/msg_nope/endpoint").status()).isEqualTo(404);
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** Moves the clock one second, so that what follows has later ids and times than what came before. */
    private void step() {
        herald.advance(Duration.ofSeconds(1));
    }

    private String endpoint(String path, String extraFields) {
        return herald.post(APP + "/endpoint", "{\"url\": \"" + receiver.url(path) + "\""
                + (extraFields.isEmpty() ? "" : ", " + extraFields) + "}", 201).get("id").asString();
    }

    private void patch(String path, String json) {
        TestHerald.expect(herald.api.patch(path, json), 200);
    }

    private String publish(String json) {
        return herald.post(APP + "/msg", json, 201).get("id").asString();
    }

    /** Publishes to subscribed endpoints and waits for the first attempt. */
    private String publishAndAwait(String json) {
        String id = publish(json);
        herald.awaitAttempts("acme", id, 1);
        return id;
    }

    private static List<String> ids(JsonNode page) {
        return StreamSupport.stream(page.get("data").spliterator(), false).map(n -> n.get("id").asString()).toList();
    }

    private static void assertStats(JsonNode s, long success, long fail, long pending, long sending) {
        assertThat(s.get("success").asLong()).as("success").isEqualTo(success);
        assertThat(s.get("fail").asLong()).as("fail").isEqualTo(fail);
        assertThat(s.get("pending").asLong()).as("pending").isEqualTo(pending);
        assertThat(s.get("sending").asLong()).as("sending").isEqualTo(sending);
        assertThat(s.get("canceled").asLong()).as("canceled").isZero();
    }

    private static void assertProblem(ApiClient.Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.body().get("errors").get(0).get("field").asString()).as(a.raw()).isEqualTo(field);
    }
}
