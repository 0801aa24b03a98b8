package io.herald.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.herald.HeraldException;
import io.herald.idempotency.IdempotencyKeys.Request;
import io.herald.idempotency.IdempotencyKeys.Response;
import io.herald.idempotency.IdempotencyKeys.Result;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The idempotency key store on each database (one subclass per database): claims, waits, replays,
 * refusals, take-over of abandoned claims, and the purge, with time moved by a test clock.
 */
abstract class IdempotencyKeysTest {
    static final String CRED = "cred-hash-a";
    static final String ROUTE = "POST /api/v1/app/acme/msg";
    static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    final SettableClock clock = SettableClock.atNow();
    final List<Store> stores = new ArrayList<>();
    final ExecutorService threads = Executors.newCachedThreadPool();
    Store store;
    IdempotencyKeys keys;

    abstract String createDatabase();

    abstract void dropDatabase();

    @BeforeEach
    void setUp() {
        store = open();
        keys = new IdempotencyKeys(store, clock);
    }

    Store open() {
        Store s = Store.open(url(), StoreSettings.DEFAULTS);
        stores.add(s);
        return s;
    }

    private String url;

    private String url() {
        if (url == null) {
            url = createDatabase();
        }
        return url;
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        stores.forEach(Store::close);
        dropDatabase();
    }

    /** Work that counts its runs and answers 201 with the run's number. */
    static Supplier<Response> counting(AtomicInteger runs) {
        return () -> new Response(201, "application/json", "{\"run\":" + runs.incrementAndGet() + "}");
    }

    static Request request(String key, String body) {
        return new Request(CRED, key, ROUTE, body);
    }

    int rows() {
        return store.read(h -> h.createQuery("SELECT COUNT(*) FROM idempotency_key").mapTo(Integer.class).one());
    }

    @Test
    void run_sameKeyTwice_runsOnceAndReplaysTheResponse() {
        AtomicInteger runs = new AtomicInteger();
        Result first = keys.run(request("k1", "{\"a\":1}"), counting(runs));
        Result second = keys.run(request("k1", "{\"a\":1}"), counting(runs));

        assertThat(runs).hasValue(1);
        assertThat(first.replayed()).isFalse();
        assertThat(second.replayed()).isTrue();
        assertThat(second.response()).isEqualTo(new Response(201, "application/json", "{\"run\":1}"));
    }

    @Test
    void run_emptyBodyResponse_isReplayedWithoutBody() {
        AtomicInteger runs = new AtomicInteger();
        Supplier<Response> noBody = () -> {
            runs.incrementAndGet();
            return new Response(204, null, null);
        };
        keys.run(request("k1", null), noBody);
        Result again = keys.run(request("k1", null), noBody);

        assertThat(runs).hasValue(1);
        assertThat(again.response()).isEqualTo(new Response(204, null, null));
        assertThat(again.replayed()).isTrue();
    }

    @Test
    void run_eightConcurrentRequestsWithOneKey_runOnceAndAllGetTheSameResponse() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        // The run holds the key until the seven others are waiting for it: every one of them
        // meets a claimed key, none finds the response already there.
        Supplier<Response> work = () -> {
            await().atMost(TEN_SECONDS).pollInterval(Duration.ofMillis(5)).until(() -> keys.waiting() == 7);
            return counting(runs).get();
        };
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<Result>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(threads.submit(() -> {
                start.await();
                return keys.run(request("k1", "{\"a\":1}"), work);
            }));
        }
        List<Result> got = new ArrayList<>();
        for (Future<Result> f : results) {
            got.add(f.get(20, TimeUnit.SECONDS));
        }

        assertThat(runs).hasValue(1);
        assertThat(got).extracting(Result::response).containsOnly(new Response(201, "application/json", "{\"run\":1}"));
        assertThat(got).filteredOn(Result::replayed).hasSize(7);
        assertThat(keys.waiting()).isZero();
    }

    @Test
    void run_sameKeyDifferentBody_isRefusedNamingTheHeader() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{\"a\":1}"), counting(runs));

        assertThatThrownBy(() -> keys.run(request("k1", "{\"a\":2}"), counting(runs)))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("idempotency-key");
                    assertThat(e.reason()).contains("different request body");
                });
        assertThat(runs).hasValue(1);
    }

    @Test
    void run_sameKeyDifferentRoute_isRefusedNamingBothRoutes() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{}"), counting(runs));

        assertThatThrownBy(() -> keys.run(new Request(CRED, "k1", "POST /api/v1/app", "{}"), counting(runs)))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("idempotency-key");
                    assertThat(e.reason()).contains(ROUTE).contains("this request is POST /api/v1/app.");
                });
        assertThat(runs).hasValue(1);
    }

    @Test
    void run_sameKeyOtherCredential_runsOnItsOwn() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{}"), counting(runs));
        Result other = keys.run(new Request("cred-hash-b", "k1", "POST /api/v1/app", "{\"b\":1}"), counting(runs));

        assertThat(runs).hasValue(2);
        assertThat(other.replayed()).isFalse();
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void run_workThrows_releasesTheKeySoARetryRuns() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> keys.run(request("k1", "{}"), () -> {
            throw new HeraldException.NotFound("application", "acme");
        })).isInstanceOf(HeraldException.NotFound.class);

        Result retry = keys.run(request("k1", "{}"), counting(runs));
        assertThat(retry.replayed()).isFalse();
        assertThat(runs).hasValue(1);
    }

    @Test
    void run_responseNot2xx_isNotKept() {
        AtomicInteger runs = new AtomicInteger();
        Supplier<Response> failing = () -> new Response(409, "application/problem+json", "{\"n\":" + runs.incrementAndGet() + "}");
        keys.run(request("k1", "{}"), failing);
        Result retry = keys.run(request("k1", "{}"), failing);

        assertThat(runs).hasValue(2);
        assertThat(retry.replayed()).isFalse();
        assertThat(rows()).isZero();
    }

    @Test
    void run_keyEmptyOrTooLong_isRefused() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> keys.run(request("", "{}"), counting(runs)))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.field()).isEqualTo("idempotency-key"));
        assertThatThrownBy(() -> keys.run(request("k".repeat(256), "{}"), counting(runs)))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.reason()).contains("255"));
        keys.run(request("k".repeat(255), "{}"), counting(runs));
        assertThat(runs).hasValue(1);
    }

    /** Starts a run of key k1 that holds the key until {@code finish} opens; returns its result. */
    CompletableFuture<Result> holding(IdempotencyKeys on, CountDownLatch started, CountDownLatch finish, String answer) {
        return CompletableFuture.supplyAsync(() -> on.run(request("k1", "{}"), () -> {
            started.countDown();
            try {
                finish.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Response(201, "application/json", answer);
        }), threads);
    }

    @Test
    void run_holderStillRunningAfterTheWait_isA409AndDoesNotRun() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Result> first = holding(keys, started, finish, "{\"first\":true}");
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Result> second = CompletableFuture.supplyAsync(() -> keys.run(request("k1", "{}"), counting(runs)), threads);
        await().atMost(TEN_SECONDS).until(() -> keys.waiting() == 1);
        clock.advance(IdempotencyKeys.WAIT.plusSeconds(1));

        assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(HeraldException.Conflict.class, e -> {
                    assertThat(e.field()).isEqualTo("idempotency-key");
                    assertThat(e.getMessage()).contains("still running");
                });
        assertThat(runs).hasValue(0);
        finish.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).response().body()).isEqualTo("{\"first\":true}");
        assertThat(keys.run(request("k1", "{}"), counting(runs)).response().body()).isEqualTo("{\"first\":true}");
    }

    @Test
    void run_holderGoneQuietPastItsLock_isTakenOverAndTheLateRunDoesNotOverwrite() throws Exception {
        // The first run stands for a node that stopped: it holds the key and says nothing.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Result> stalled = holding(keys, started, finish, "{\"late\":true}");
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        clock.advance(IdempotencyKeys.LOCK.plusSeconds(1));
        // Another node on the same database, as a retry would reach.
        IdempotencyKeys otherNode = new IdempotencyKeys(open(), clock);
        AtomicInteger runs = new AtomicInteger();
        Result retry = otherNode.run(request("k1", "{}"), counting(runs));
        assertThat(retry.replayed()).isFalse();
        assertThat(runs).hasValue(1);

        finish.countDown();
        assertThat(stalled.get(10, TimeUnit.SECONDS).response().body()).isEqualTo("{\"late\":true}");
        assertThat(keys.run(request("k1", "{}"), counting(runs)).response().body()).isEqualTo("{\"run\":1}");
        assertThat(runs).hasValue(1);
    }

    @Test
    void run_onAnotherNodeOfTheDatabase_replaysTheResponse() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{}"), counting(runs));
        IdempotencyKeys otherNode = new IdempotencyKeys(open(), clock);

        Result there = otherNode.run(request("k1", "{}"), counting(runs));
        assertThat(there.replayed()).isTrue();
        assertThat(runs).hasValue(1);
    }

    @Test
    void purgeExpired_after12Hours_deletesTheKeyAndItRunsAnew() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{}"), counting(runs));
        clock.advance(Duration.ofHours(6));
        keys.run(request("k2", "{}"), counting(runs));

        clock.advance(Duration.ofHours(6).minusMillis(1));
        assertThat(keys.purgeExpired()).isZero();
        assertThat(keys.run(request("k1", "{}"), counting(runs)).replayed()).isTrue();

        clock.advance(Duration.ofMillis(1));
        assertThat(keys.purgeExpired()).isEqualTo(1);
        assertThat(rows()).isEqualTo(1);
        Result again = keys.run(request("k1", "{}"), counting(runs));
        assertThat(again.replayed()).isFalse();
        assertThat(again.response().body()).isEqualTo("{\"run\":3}");
        assertThat(keys.run(request("k2", "{}"), counting(runs)).response().body()).isEqualTo("{\"run\":2}");
    }

    @Test
    void run_whoseCommitOutcomeIsUnknown_keepsTheKey_andTheRetryRunsAtOnceWithTheSameReservedId() {
        List<String> reserved = new ArrayList<>();
        assertThatThrownBy(() -> keys.run(request("k1", "{}"), (java.util.function.Function<String, Response>) r -> {
            reserved.add(r);
            throw new HeraldException.CommitUnknown("the connection broke during the commit (the test)", null);
        })).isInstanceOf(HeraldException.CommitUnknown.class);
        assertThat(rows()).as("the key is kept, not given up").isEqualTo(1);

        // No waiting for the lock: the next request with the key takes it over at once.
        Result retry = keys.run(request("k1", "{}"), (java.util.function.Function<String, Response>) r -> {
            reserved.add(r);
            return new Response(201, "application/json", "{\"id\":\"" + r + "\"}", r);
        });
        assertThat(retry.replayed()).isFalse();
        assertThat(reserved).hasSize(2).doesNotContainNull();
        assertThat(reserved.get(1)).as("the same id both times").isEqualTo(reserved.get(0)).startsWith("msg_");
        assertThat(keys.run(request("k1", "{}"), counting(new AtomicInteger())).replayed()).isTrue();
    }

    @Test
    void run_reservedIds_differByKey_andAKeyTakenOverAfterItExpired_getsANewOne() {
        List<String> reserved = new ArrayList<>();
        java.util.function.Function<String, Response> keep = r -> {
            reserved.add(r);
            return new Response(201, "application/json", "{}", r);
        };
        keys.run(request("k1", "{}"), keep);
        keys.run(request("k2", "{}"), keep);
        clock.advance(IdempotencyKeys.KEEP.plusSeconds(1));
        keys.run(request("k1", "{}"), keep);
        assertThat(reserved).hasSize(3).doesNotHaveDuplicates();
    }

    @Test
    void purgeExpired_moreThanOneBatch_deletesAll() {
        long expired = clock.millis() - 1;
        int n = IdempotencyKeys.PURGE_BATCH * 2 + 3;
        store.inTransaction(h -> {
            for (int i = 0; i < n; i++) {
                KeyRows.insert(h, new KeyId(CRED, "k" + i), ROUTE, "x", "c", expired, expired, null);
            }
            return null;
        });
        keys.run(request("fresh", "{}"), counting(new AtomicInteger()));

        assertThat(keys.purgeExpired()).isEqualTo(n);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void run_expiredButNotYetPurged_runsAnewEvenWithAnotherBody() {
        AtomicInteger runs = new AtomicInteger();
        keys.run(request("k1", "{\"a\":1}"), counting(runs));
        clock.advance(IdempotencyKeys.KEEP);

        Result again = keys.run(request("k1", "{\"a\":2}"), counting(runs));
        assertThat(again.replayed()).isFalse();
        assertThat(runs).hasValue(2);
    }
}
