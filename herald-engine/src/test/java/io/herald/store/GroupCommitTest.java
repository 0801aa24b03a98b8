package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.HeraldException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.HandleCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit on a real database, one subclass per database: shared transactions, failures kept
 * to their own work. Tests that need works to pile up first hold every writer in a work of its
 * own ({@link #occupyWriters}), queue the works, then let one writer go: it takes them all.
 */
abstract class GroupCommitTest {
    Store store;
    GroupCommit writer;
    private final List<CountDownLatch> toRelease = new ArrayList<>();

    abstract String createDatabase();

    abstract void dropDatabase();

    /** Writer threads of the GroupCommit under test. */
    abstract int writers();

    abstract int maxBatch();

    @BeforeEach
    void setUp() {
        store = Store.open(createDatabase(), StoreSettings.DEFAULTS);
        store.jdbi().useHandle(h -> h.execute("CREATE TABLE t (k TEXT PRIMARY KEY)"));
        writer = new GroupCommit(store.jdbi(), "test-writer", writers(), maxBatch());
    }

    @AfterEach
    void tearDown() {
        toRelease.forEach(CountDownLatch::countDown);
        writer.close();
        store.close();
        dropDatabase();
    }

    @Test
    void worksWaitingWhileTheWritersAreBusy_commitTogetherInOneTransaction() throws Exception {
        Busy busy = occupyWriters(h -> h.execute("INSERT INTO t VALUES ('first')"));
        List<CompletableFuture<Integer>> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String k = "k" + i;
            waiting.add(async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES (?)", k))));
        }
        awaitQueued(20);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        for (CompletableFuture<Integer> f : waiting) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(count()).isEqualTo(21);
        assertThat(writer.transactions()).as("one per blocker, then one for all 20 that waited").isEqualTo(writers() + 1);
        assertThat(writer.optimisticFailures()).as("nothing failed: no second, careful run").isZero();
    }

    @Test
    void aWorkThatThrows_isRolledBackAlone_andItsCallerGetsItsException() throws Exception {
        Busy busy = occupyWriters(h -> 0);
        CompletableFuture<Integer> a = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(1);
        CompletableFuture<Integer> b = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('b')");
            throw new HeraldException.NotFound("application", "b");
        }));
        awaitQueued(2);
        // On PostgreSQL the failed statement leaves the transaction unusable until the rollback to
        // its savepoint; c after it must still commit.
        CompletableFuture<Integer> duplicate = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(3);
        CompletableFuture<Integer> c = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('c')")));
        awaitQueued(4);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isZero();
        assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThatThrownBy(() -> join(b)).isInstanceOf(HeraldException.NotFound.class);
        assertThatThrownBy(() -> join(duplicate)).hasMessageFindingMatch("(?i)unique");
        assertThat(keys()).containsExactly("a", "c");
        assertThat(writer.transactions()).as("the optimistic run, rolled back at b; then the careful one").isEqualTo(writers() + 2);
        assertThat(writer.optimisticFailures()).isEqualTo(1);
    }

    @Test
    void aWorkThatThrowsAfterOthersSucceededInItsBatch_undoesOnlyItself() throws Exception {
        // The savepoint moves past every work that succeeded: a rollback to it keeps them.
        Busy busy = occupyWriters(h -> 0);
        List<CompletableFuture<Integer>> fine = new ArrayList<>();
        for (String k : List.of("a", "b", "c")) {
            fine.add(async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES (?)", k))));
            awaitQueued(fine.size());
        }
        CompletableFuture<Integer> fails = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('x')");
            throw new HeraldException.NotFound("application", "x");
        }));
        awaitQueued(4);
        CompletableFuture<Integer> after = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('d')")));
        awaitQueued(5);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isZero();
        for (CompletableFuture<Integer> f : fine) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThatThrownBy(() -> join(fails)).isInstanceOf(HeraldException.NotFound.class);
        assertThat(keys()).containsExactly("a", "b", "c", "d");
        assertThat(writer.transactions()).as("the optimistic run, rolled back at x; then the careful one").isEqualTo(writers() + 2);
    }

    @Test
    void whenTheFirstWorksOfABatchFail_theyAreRolledBack_andTheRestCommitsInAFreshTransaction() throws Exception {
        // The first works of a batch run without a savepoint: their failure rolls the whole
        // transaction back, which holds nothing else yet.
        store.jdbi().useHandle(h -> h.execute("INSERT INTO t VALUES ('taken')"));
        Busy busy = occupyWriters(h -> 0);
        CompletableFuture<Integer> statementFails = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('x')");
            return h.execute("INSERT INTO t VALUES ('taken')");
        }));
        awaitQueued(1);
        CompletableFuture<Integer> callbackThrows = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('y')");
            throw new HeraldException.NotFound("application", "y");
        }));
        awaitQueued(2);
        CompletableFuture<Integer> a = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(3);
        CompletableFuture<Integer> b = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('b')")));
        awaitQueued(4);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isZero();
        assertThatThrownBy(() -> join(statementFails)).hasMessageFindingMatch("(?i)unique");
        assertThatThrownBy(() -> join(callbackThrows)).isInstanceOf(HeraldException.NotFound.class);
        assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(keys()).containsExactly("a", "b", "taken");
        assertThat(writer.transactions()).as("the blockers', the optimistic run, then three begun for the careful one")
                .isEqualTo(writers() + 4);
    }

    @Test
    void whenTheSharedTransactionCannotGoOn_noWorkOfTheBatchIsWritten_andEveryCallerIsTold() throws Exception {
        Busy busy = occupyWriters(h -> 0);
        CompletableFuture<Integer> a = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(1);
        // Releases its own savepoint, then fails: the rollback to that savepoint cannot happen.
        CompletableFuture<Integer> breaker = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('b')");
            h.execute("RELEASE " + GroupCommit.SAVEPOINT);
            throw new IllegalArgumentException("boom");
        }));
        awaitQueued(2);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isZero();
        Throwable aFailure = catchThrowable(() -> join(a));
        assertThat(aFailure).hasMessageContaining(GroupCommit.SAVEPOINT);
        // Not its own IllegalArgumentException: nothing of the batch was written, and a failure
        // that might stem from another caller's vanished write must not look final.
        assertThat(catchThrowable(() -> join(breaker))).isSameAs(aFailure);
        assertThat(keys()).isEmpty();
        // The writer goes on after a failed batch.
        assertThat((int) writer.run(h -> h.execute("INSERT INTO t VALUES ('later')"))).isEqualTo(1);
        assertThat(keys()).containsExactly("later");
    }

    @Test
    void worksThatLeaveEveryWriterInterrupted_doNotStopThem() throws Exception {
        onEveryWriter(i -> h -> {
            Thread.currentThread().interrupt();
            return h.execute("INSERT INTO t VALUES (?)", "interrupting-" + i);
        });
        // Each of these holds a writer of its own until all have one: a writer that died fails it.
        onEveryWriter(i -> h -> h.execute("INSERT INTO t VALUES (?)", "next-" + i));
        assertThat(count()).isEqualTo(2 * writers());
    }

    @Test
    void aWorkThatStartsAnotherTransaction_failsInsteadOfWaitingForever() {
        assertThatThrownBy(() -> writer.run(h -> writer.run(inner -> 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat((int) writer.run(h -> h.execute("INSERT INTO t VALUES ('after')"))).isEqualTo(1);
    }

    @Test
    void closing_commitsWorksAlreadyWaiting_andRefusesNewOnes() throws Exception {
        Busy busy = occupyWriters(h -> h.execute("INSERT INTO t VALUES ('running')"));
        CompletableFuture<Integer> waiting = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('waiting')")));
        awaitQueued(1);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(writer::close);
        Thread.sleep(50);
        busy.release().countDown();
        toRelease.forEach(CountDownLatch::countDown);
        closing.get(15, TimeUnit.SECONDS);

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).as("the batch running at close finishes").isEqualTo(1);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).as("queued before close: committed").isEqualTo(1);
        assertThatThrownBy(() -> writer.run(h -> 1)).isInstanceOf(HeraldException.StoreUnavailable.class);
        assertThat(keys()).containsExactly("running", "waiting");
    }

    @Test
    void withACommitDelay_aWriteAfterAQuietSpellCommitsAtOnce_andWritesComingSoonAfterShareACommit() throws Exception {
        // Batches of two, so the writer stops waiting as soon as two works share one.
        try (GroupCommit delayed = new GroupCommit(store.jdbi(), "delayed", 1, 2, Duration.ofSeconds(5))) {
            long start = System.nanoTime();
            delayed.run(h -> h.execute("INSERT INTO t VALUES ('quiet')"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not delayed after a quiet spell")
                    .isLessThan(Duration.ofSeconds(4));
            assertThat(delayed.transactions()).isEqualTo(1);

            // Within the delay of the last batch: the writer waits for the second, and both commit once.
            CompletableFuture<Integer> first = async(() -> delayed.run(h -> h.execute("INSERT INTO t VALUES ('first')")));
            Thread.sleep(100); // the first is taken alone by now, and waited with
            CompletableFuture<Integer> second = async(() -> delayed.run(h -> h.execute("INSERT INTO t VALUES ('second')")));
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(delayed.transactions()).as("the quiet one's, then one shared").isEqualTo(2);
        }
        assertThat(keys()).containsExactly("first", "quiet", "second");
    }

    @Test
    void withACommitDelay_closingEndsTheWait_andCommitsWhatWaits() throws Exception {
        GroupCommit delayed = new GroupCommit(store.jdbi(), "delayed", 1, maxBatch(), Duration.ofSeconds(30));
        delayed.run(h -> h.execute("INSERT INTO t VALUES ('quiet')"));
        CompletableFuture<Integer> waiting = async(() -> delayed.run(h -> h.execute("INSERT INTO t VALUES ('waiting')")));
        Thread.sleep(100); // taken, and waited with for more (up to 30 s)
        long start = System.nanoTime();
        delayed.close();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close does not wait out the delay")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(keys()).containsExactly("quiet", "waiting");
    }

    @Test
    void storeInTransaction_manyConcurrentWriters_allCommit() throws Exception {
        // Through the Store, as the engine uses it: 64 virtual threads × 25 inserts.
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
            int tt = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 25; i++) {
                    String k = tt + "-" + i;
                    store.inTransaction(h -> h.execute("INSERT INTO t VALUES (?)", k));
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertThat(count()).isEqualTo(64 * 25);
    }

    /** The first blocker's outcome and its release; the other writers' blockers go at tear-down. */
    record Busy(CompletableFuture<Integer> done, CountDownLatch release) {}

    /**
     * Holds every writer in a work of its own, so that what is queued next waits. When
     * {@code release} is counted down, the first blocker runs {@code then} and its writer takes
     * whatever waits; the others hold on until the test ends.
     */
    Busy occupyWriters(HandleCallback<Integer, RuntimeException> then) throws InterruptedException {
        Busy first = null;
        for (int i = 0; i < writers(); i++) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            toRelease.add(release);
            HandleCallback<Integer, RuntimeException> after = i == 0 ? then : h -> 0;
            CompletableFuture<Integer> done = async(() -> writer.run(h -> {
                inside.countDown();
                await(release);
                return after.withHandle(h);
            }));
            // Waited for before the next is queued, so each one holds a writer of its own.
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            if (first == null) {
                first = new Busy(done, release);
            }
        }
        return first;
    }

    interface Indexed {
        HandleCallback<Integer, RuntimeException> work(int i);
    }

    /** Runs one work per writer, all at once: each waits inside until every writer holds one. */
    void onEveryWriter(Indexed works) throws Exception {
        CyclicBarrier all = new CyclicBarrier(writers());
        List<CompletableFuture<Integer>> done = new ArrayList<>();
        for (int i = 0; i < writers(); i++) {
            HandleCallback<Integer, RuntimeException> w = works.work(i);
            CountDownLatch inside = new CountDownLatch(1);
            done.add(async(() -> writer.run(h -> {
                inside.countDown();
                try {
                    all.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("not every writer took a work", e);
                }
                return w.withHandle(h);
            })));
            // Running before the next is queued: its writer waits at the barrier, so the next goes
            // to another one (or to none, if one died, and this fails).
            assertThat(inside.await(10, TimeUnit.SECONDS)).as("work %d taken by a writer", i).isTrue();
        }
        for (CompletableFuture<Integer> f : done) {
            assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    void awaitQueued(int n) throws InterruptedException {
        awaitQueued(writer, n);
    }

    static void awaitQueued(GroupCommit gc, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gc.waiting() != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " waiting works, have " + gc.waiting());
            }
            Thread.sleep(1);
        }
    }

    int count() {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM t").mapTo(Integer.class).one());
    }

    List<String> keys() {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT k FROM t ORDER BY k").mapTo(String.class).list());
    }

    static <T> CompletableFuture<T> async(Supplier<T> s) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(s.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    static <T> T join(CompletableFuture<T> f) throws Throwable {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
