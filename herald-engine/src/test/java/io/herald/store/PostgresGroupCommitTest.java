package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.testing.TestPostgres;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * Group commit on a fresh PostgreSQL database per test, with several writers; and what only
 * PostgreSQL does: batches that deadlock with each other, and serialization failures.
 */
class PostgresGroupCommitTest extends GroupCommitTest {
    private TestPostgres.Database database;

    @Override
    String createDatabase() {
        database = TestPostgres.create();
        return database.url();
    }

    @Override
    void dropDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @Override
    int writers() {
        return 3;
    }

    @Override
    int maxBatch() {
        return GroupCommit.MAX_BATCH_POSTGRESQL;
    }

    @Test
    void twoBatchesThatDeadlock_theWorkPostgresqlAborts_runsAgainAlone_andEveryCallerSucceeds() throws Exception {
        store.jdbi().useHandle(h -> h.execute("CREATE TABLE r (k TEXT PRIMARY KEY, v TEXT NOT NULL)"));
        store.jdbi().useHandle(h -> h.execute("INSERT INTO r VALUES ('x', ''), ('y', '')"));
        // Two writers, two works a batch: A = [a1 x, a2 y], B = [b1 y, b2 x]. As four transactions
        // they would pass each other; as two, A holds x and waits for y while B holds y and waits
        // for x, until PostgreSQL's deadlock_timeout (1 s) aborts one of the waiting statements.
        try (GroupCommit pair = new GroupCommit(store.jdbi(), "pair", 2, 2)) {
            List<CountDownLatch> release = List.of(new CountDownLatch(1), new CountDownLatch(1));
            CountDownLatch aHoldsX = new CountDownLatch(1);
            CountDownLatch bHoldsY = new CountDownLatch(1);
            for (CountDownLatch r : release) {
                CountDownLatch inside = new CountDownLatch(1);
                async(() -> pair.run(h -> {
                    inside.countDown();
                    await(r);
                    return 0;
                }));
                assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            }
            CompletableFuture<Integer> a1 = async(() -> pair.run(h -> {
                int n = append(h, "x", "a1");
                aHoldsX.countDown();
                await(bHoldsY);
                return n;
            }));
            awaitQueued(pair, 1);
            CompletableFuture<Integer> a2 = async(() -> pair.run(h -> append(h, "y", "a2")));
            awaitQueued(pair, 2);
            CompletableFuture<Integer> b1 = async(() -> pair.run(h -> {
                await(aHoldsX);
                int n = append(h, "y", "b1");
                bHoldsY.countDown();
                return n;
            }));
            awaitQueued(pair, 3);
            CompletableFuture<Integer> b2 = async(() -> pair.run(h -> append(h, "x", "b2")));
            awaitQueued(pair, 4);
            release.get(0).countDown();
            awaitQueued(pair, 2); // the first writer took A
            release.get(1).countDown();

            for (CompletableFuture<Integer> f : List.of(a1, a2, b1, b2)) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(1);
            }
            assertThat(pair.ranAgain()).isEqualTo(1);
            // Whichever was aborted ran after the other batch committed; each row saw A's work and
            // B's once, in the order the locks allowed (the aborted batch's optimistic run is rolled
            // back whole, so its other writes come after the other batch's too).
            List<String> values = store.jdbi().withHandle(h -> h.createQuery("SELECT v FROM r ORDER BY k").mapTo(String.class).list());
            assertThat(values.get(0)).isIn("a1b2", "b2a1");
            assertThat(values.get(1)).isIn("a2b1", "b1a2");
        }
    }

    @Test
    void aWorkAbortedForASerializationFailure_runsAgainAlone_withoutItsFirstWrites() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Busy busy = occupyWriters(h -> 0);
        CompletableFuture<Integer> first = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('first')")));
        awaitQueued(1);
        CompletableFuture<Integer> flaky = async(() -> writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('flaky')");
            if (runs.incrementAndGet() == 1) {
                serializationFailure(h);
            }
            return 1;
        }));
        awaitQueued(2);
        CompletableFuture<Integer> last = async(() -> writer.run(h -> h.execute("INSERT INTO t VALUES ('last')")));
        awaitQueued(3);
        busy.release().countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(flaky.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(last.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(runs).hasValue(2);
        assertThat(writer.ranAgain()).isEqualTo(1);
        assertThat(keys()).containsExactly("first", "flaky", "last");
    }

    @Test
    void aWorkAbortedTwice_runsAThirdTime_andSucceeds() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        int result = writer.run(h -> {
            h.execute("INSERT INTO t VALUES ('third')");
            if (runs.incrementAndGet() < 3) {
                serializationFailure(h);
            }
            return 7;
        });

        assertThat(result).isEqualTo(7);
        assertThat(runs).hasValue(3);
        assertThat(writer.ranAgain()).isEqualTo(2);
        assertThat(keys()).containsExactly("third");
    }

    @Test
    void aWorkAbortedEveryTime_failsWithTheLastAbort_afterThreeRunsOnly() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Throwable failure = catchThrowable(() -> writer.run(h -> {
            runs.incrementAndGet();
            h.execute("INSERT INTO t VALUES ('never')");
            return serializationFailure(h);
        }));

        assertThat(runs).hasValue(GroupCommit.MAX_RUNS);
        assertThat(failure).rootCause().asInstanceOf(InstanceOfAssertFactories.type(SQLException.class))
                .extracting(SQLException::getSQLState).isEqualTo("40001");
        assertThat(keys()).isEmpty();
    }

    private static int append(Handle h, String k, String v) {
        return h.execute("UPDATE r SET v = v || ? WHERE k = ?", v, k);
    }

    /** What PostgreSQL raises when a serializable or repeatable-read transaction loses a race. */
    private static int serializationFailure(Handle h) {
        return h.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$");
    }
}
