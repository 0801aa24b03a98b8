package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.HeraldException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on a real SQLite file: shared transactions, failures kept to their own work. */
class GroupCommitTest {
    @TempDir
    Path dir;
    private Store store;
    private GroupCommit writer;

    @BeforeEach
    void setUp() {
        store = Store.open(Store.sqliteUrl(dir), 4);
        store.jdbi().useHandle(h -> h.execute("CREATE TABLE t (k TEXT PRIMARY KEY)"));
        writer = new GroupCommit(store.jdbi(), "test-writer");
    }

    @AfterEach
    void tearDown() {
        writer.close();
        store.close();
    }

    @Test
    void worksWaitingWhileTheWriterIsBusy_commitTogetherInOneTransaction() throws Exception {
        Busy busy = occupyWriter(h -> h.execute("INSERT INTO t VALUES ('first')"));
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
        assertThat(writer.transactions()).as("the blocker's, then one for all 20 that waited").isEqualTo(2);
    }

    @Test
    void aWorkThatThrows_isRolledBackAlone_andItsCallerGetsItsException() throws Exception {
        Busy busy = occupyWriter(h -> 0);
        CompletableFuture<Integer> a = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(1);
        CompletableFuture<Integer> b = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('b')");
            throw new HeraldException.NotFound("application", "b");
        }));
        awaitQueued(2);
        CompletableFuture<Integer> duplicate = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('a')")));
        awaitQueued(3);
        CompletableFuture<Integer> c = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('c')")));
        awaitQueued(4);
        busy.release().countDown();

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).isZero();
        assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThatThrownBy(() -> join(b)).isInstanceOf(HeraldException.NotFound.class);
        assertThatThrownBy(() -> join(duplicate)).hasMessageContaining("UNIQUE");
        assertThat(keys()).containsExactly("a", "c");
        assertThat(writer.transactions()).isEqualTo(2);
    }

    @Test
    void whenTheSharedTransactionCannotGoOn_noWorkOfTheBatchIsWritten_andEveryCallerIsTold() throws Exception {
        Busy busy = occupyWriter(h -> 0);
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
    void aWorkThatLeavesTheWriterInterrupted_doesNotStopIt() {
        writer.run(h -> {
            Thread.currentThread().interrupt();
            return h.execute("INSERT INTO t VALUES ('interrupting')");
        });
        assertThat((int) writer.run(h -> h.execute("INSERT INTO t VALUES ('next')"))).isEqualTo(1);
        assertThat(keys()).containsExactly("interrupting", "next");
    }

    @Test
    void aWorkThatStartsAnotherTransaction_failsInsteadOfWaitingForever() {
        assertThatThrownBy(() -> writer.run(h -> writer.run(inner -> 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat((int) writer.run(h -> h.execute("INSERT INTO t VALUES ('after')"))).isEqualTo(1);
    }

    @Test
    void closing_commitsWorksAlreadyWaiting_andRefusesNewOnes() throws Exception {
        Busy busy = occupyWriter(h -> h.execute("INSERT INTO t VALUES ('running')"));
        CompletableFuture<Integer> waiting = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('waiting')")));
        awaitQueued(1);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(writer::close);
        Thread.sleep(50);
        busy.release().countDown();
        closing.get(15, TimeUnit.SECONDS);

        assertThat(busy.done().get(10, TimeUnit.SECONDS)).as("the batch running at close finishes").isEqualTo(1);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).as("queued before close: committed").isEqualTo(1);
        assertThatThrownBy(() -> writer.run(h -> 1)).isInstanceOf(HeraldException.StoreUnavailable.class);
        assertThat(keys()).containsExactly("running", "waiting");
    }

    @Test
    void storeOnSqlite_manyConcurrentWriters_allCommit() throws Exception {
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

    /** A work holding the writer until {@code release} is counted down; then it runs {@code then}. */
    private record Busy(CompletableFuture<Integer> done, CountDownLatch release) {}

    private Busy occupyWriter(org.jdbi.v3.core.HandleCallback<Integer, RuntimeException> then) throws InterruptedException {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> done = async(() -> writer.run(h -> {
            inside.countDown();
            await(release);
            return then.withHandle(h);
        }));
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        return new Busy(done, release);
    }

    private void awaitQueued(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writer.waiting() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " waiting works, have " + writer.waiting());
            }
            Thread.sleep(1);
        }
    }

    private int count() {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM t").mapTo(Integer.class).one());
    }

    private List<String> keys() {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT k FROM t ORDER BY k").mapTo(String.class).list());
    }

    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> s) {
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

    private static <T> T join(CompletableFuture<T> f) throws Throwable {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
