package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.svix.Svix;
import com.svix.SvixOptions;
import com.svix.api.MessageCreateOptions;
import com.svix.models.MessageIn;
import io.herald.api.ApiClient;
import io.herald.api.ApiClient.Answer;
import io.herald.auth.Tokens;
import io.herald.testing.LoopbackReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotency-key header through the HTTP API, on each database (one subclass per database):
 * concurrent requests with one key, refusals, expiry and purge, a restart between two requests.
 */
abstract class IdempotencyEndToEndTest {
    static final String MSG = "/api/v1/app/acme/msg";
    static final String EVENT = "{\"eventType\": \"scan.finished\", \"payload\": {\"id\": 1}}";

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;
    final List<TestHerald> nodes = new ArrayList<>();

    /** A new node on this test's database: the same one every time, so a second node sees the first's keys. */
    abstract TestHerald startNode();

    /** Drops the database, after every node is closed. */
    void dropDatabase() {}

    TestHerald node() {
        TestHerald n = startNode();
        nodes.add(n);
        return n;
    }

    @BeforeEach
    void setUp() {
        herald = node();
        receiver = new LoopbackReceiver();
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}", 201);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        nodes.forEach(TestHerald::close);
        dropDatabase();
    }

    static String key() {
        return "auto_" + UUID.randomUUID();
    }

    int messages(TestHerald on) {
        return on.get(MSG).get("data").size();
    }

    static void assertProblemNamesHeader(Answer a, int status) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.header("content-type")).isEqualTo("application/problem+json");
        assertThat(a.body().get("errors").get(0).get("field").asString()).isEqualTo("idempotency-key");
    }

    @Test
    void post_sameKeyFromEightThreads_createsOneMessageAndOneDelivery() throws Exception {
        String key = key();
        CyclicBarrier start = new CyclicBarrier(8);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<Answer>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                sent.add(threads.submit(() -> {
                    start.await();
                    return herald.api.postIdempotent(MSG, EVENT, key);
                }));
            }
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> f : sent) {
                answers.add(f.get(30, TimeUnit.SECONDS));
            }

            assertThat(answers).extracting(Answer::status).containsOnly(201);
            assertThat(answers).extracting(Answer::raw).containsOnly(answers.getFirst().raw());
            assertThat(answers).filteredOn(a -> "true".equals(a.header("idempotent-replayed"))).hasSize(7);
            assertThat(answers).extracting(a -> a.header("content-type")).containsOnly("application/json");
        } finally {
            threads.shutdownNow();
        }
        assertThat(messages(herald)).isEqualTo(1);
        receiver.await("/hook", 1, Duration.ofSeconds(10));
        herald.awaitAttempts("acme", herald.get(MSG).get("data").get(0).get("id").asString(), 1);
        assertThat(herald.runDue()).isZero();
        assertThat(receiver.received("/hook")).hasSize(1);
    }

    @Test
    void post_withoutKey_runsEveryTime() {
        herald.post(MSG, EVENT, 201);
        Answer second = herald.api.post(MSG, EVENT);

        assertThat(second.header("idempotent-replayed")).isNull();
        assertThat(messages(herald)).isEqualTo(2);
    }

    @Test
    void post_applicationTwiceWithOneKey_createsOneAndReplaysIt() {
        String key = key();
        Answer first = herald.api.postIdempotent("/api/v1/app", "{\"name\": \"Beta\"}", key);
        Answer second = herald.api.postIdempotent("/api/v1/app", "{\"name\": \"Beta\"}", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header("idempotent-replayed")).isNull();
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.raw()).isEqualTo(first.raw());
        assertThat(second.header("idempotent-replayed")).isEqualTo("true");
        assertThat(herald.get("/api/v1/app").get("data")).extracting(a -> a.get("name").asString())
                .containsExactlyInAnyOrder("Acme", "Beta");
    }

    @Test
    void post_noContentResponse_isReplayedWithoutRunningAgain() {
        String ep = herald.get("/api/v1/app/acme/endpoint").get("data").get(0).get("id").asString();
        String rotate = "/api/v1/app/acme/endpoint/" + ep + "/secret/rotate";
        String key = key();
        assertThat(herald.api.postIdempotent(rotate, "{}", key).status()).isEqualTo(204);
        String secret = herald.get("/api/v1/app/acme/endpoint/" + ep + "/secret").get("key").asString();

        Answer again = herald.api.postIdempotent(rotate, "{}", key);
        assertThat(again.status()).isEqualTo(204);
        assertThat(again.header("idempotent-replayed")).isEqualTo("true");
        assertThat(herald.get("/api/v1/app/acme/endpoint/" + ep + "/secret").get("key").asString()).isEqualTo(secret);
    }

    @Test
    void post_sameKeyDifferentBody_is422NamingTheHeader() {
        String key = key();
        assertThat(herald.api.postIdempotent(MSG, EVENT, key).status()).isEqualTo(201);

        Answer other = herald.api.postIdempotent(MSG, EVENT.replace("\"id\": 1", "\"id\": 2"), key);
        assertProblemNamesHeader(other, 422);
        assertThat(other.body().get("detail").asString()).contains("different request body");
        assertThat(messages(herald)).isEqualTo(1);
    }

    @Test
    void post_sameKeyDifferentPath_is422NamingTheHeader() {
        String key = key();
        assertThat(herald.api.postIdempotent(MSG, "{\"name\": \"Beta\"}", key).status()).isEqualTo(422);
        assertThat(herald.api.postIdempotent("/api/v1/app", "{\"name\": \"Beta\"}", key).status()).isEqualTo(201);

        Answer other = herald.api.postIdempotent("/api/v1/event-type", "{\"name\": \"Beta\"}", key);
        assertProblemNamesHeader(other, 422);
        assertThat(other.body().get("detail").asString()).contains("POST /api/v1/app").contains("POST /api/v1/event-type");
        assertThat(herald.get("/api/v1/event-type").get("data")).isEmpty();
    }

    @Test
    void post_emptyKey_is422() {
        Answer a = herald.api.postIdempotent(MSG, EVENT, " ");
        assertProblemNamesHeader(a, 422);
        assertThat(messages(herald)).isZero();
    }

    @Test
    void post_failedRequest_isNotKeptAndTheRetryRuns() {
        String key = key();
        String acmeAgain = "{\"name\": \"Acme\", \"uid\": \"acme\"}";
        assertThat(herald.api.postIdempotent("/api/v1/app", acmeAgain, key).status()).isEqualTo(409);
        assertThat(herald.api.delete("/api/v1/app/acme").status()).isEqualTo(204);

        Answer retry = herald.api.postIdempotent("/api/v1/app", acmeAgain, key);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("idempotent-replayed")).isNull();
    }

    @Test
    void post_sameKeyOtherToken_runsOnItsOwn() {
        String otherToken = Tokens.generate();
        herald.server.herald().tokens().add(otherToken, Tokens.ADMIN, Tokens.Origin.GENERATED);
        ApiClient other = new ApiClient("http://127.0.0.1:" + herald.server.port(), otherToken).checkedAgainstOpenApi();
        String key = key();

        Answer mine = herald.api.postIdempotent(MSG, EVENT, key);
        Answer theirs = other.postIdempotent(MSG, EVENT, key);
        // A different route under the other token is no reuse either.
        Answer theirsElsewhere = other.postIdempotent("/api/v1/app", "{\"name\": \"Gamma\"}", "other-" + key);

        assertThat(theirs.status()).isEqualTo(201);
        assertThat(theirs.header("idempotent-replayed")).isNull();
        assertThat(theirs.text("id")).isNotEqualTo(mine.text("id"));
        assertThat(theirsElsewhere.status()).isEqualTo(201);
        assertThat(messages(herald)).isEqualTo(2);
        assertThat(herald.api.postIdempotent(MSG, EVENT, key).raw()).isEqualTo(mine.raw());
    }

    @Test
    void post_after12HoursAndThePurge_runsAgain() {
        String key = key();
        Answer first = herald.api.postIdempotent(MSG, EVENT, key);
        herald.advance(Duration.ofHours(12).minusSeconds(1));
        assertThat(herald.server.herald().idempotencyKeys().purgeExpired()).isZero();
        assertThat(herald.api.postIdempotent(MSG, EVENT, key).header("idempotent-replayed")).isEqualTo("true");

        herald.advance(Duration.ofSeconds(1));
        assertThat(herald.server.herald().idempotencyKeys().purgeExpired()).isEqualTo(1);
        Answer later = herald.api.postIdempotent(MSG, EVENT, key);

        assertThat(later.status()).isEqualTo(201);
        assertThat(later.header("idempotent-replayed")).isNull();
        assertThat(later.text("id")).isNotEqualTo(first.text("id"));
        assertThat(messages(herald)).isEqualTo(2);
    }

    @Test
    void post_afterARestart_isReplayed() {
        String key = key();
        Answer before = herald.api.postIdempotent(MSG, EVENT, key);
        herald.close();
        nodes.remove(herald);

        TestHerald restarted = node();
        Answer after = restarted.api.postIdempotent(MSG, EVENT, key);

        assertThat(after.status()).isEqualTo(201);
        assertThat(after.raw()).isEqualTo(before.raw());
        assertThat(after.header("idempotent-replayed")).isEqualTo("true");
        assertThat(messages(restarted)).isEqualTo(1);
    }

    @Test
    void svixJavaSdk_messageCreateWithAnIdempotencyKey_createsOneMessage() throws Exception {
        SvixOptions options = new SvixOptions();
        options.setServerUrl("http://127.0.0.1:" + herald.server.port());
        Svix svix = new Svix(TestHerald.TOKEN, options);
        MessageCreateOptions withKey = new MessageCreateOptions();
        withKey.setIdempotencyKey(key());
        MessageIn in = new MessageIn().eventType("scan.finished").payload("{\"id\": 7}");

        String first = svix.getMessage().create("acme", in, withKey).getId();
        String second = svix.getMessage().create("acme", in, withKey).getId();

        assertThat(second).isEqualTo(first);
        assertThat(messages(herald)).isEqualTo(1);
    }
}
