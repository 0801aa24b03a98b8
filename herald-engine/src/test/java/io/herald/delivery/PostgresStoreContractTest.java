package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.herald.attempt.Attempt;
import io.herald.message.Messages.Published;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.TestPostgres;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The store contract on a fresh PostgreSQL database per test, dropped after it. */
class PostgresStoreContractTest extends StoreContractTest {
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
    boolean singleProcess() {
        return false;
    }

    @Override
    void refuse(String name, String event, String table, String when) {
        db.useHandle(h -> {
            h.execute("CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
            h.execute("CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table + " FOR EACH ROW WHEN (" + when
                    + ") EXECUTE FUNCTION " + name + "()");
        });
    }

    @Override
    void allow(String name) {
        db.useHandle(h -> h.execute("DROP FUNCTION " + name + "() CASCADE"));
    }

    @Override
    void awaitWriterBlocked() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> db.withHandle(h -> h
                .createQuery("""
                        SELECT COUNT(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                .mapTo(Long.class).one()) > 0);
    }

    /**
     * The database cannot take an attempt's record for a while (its disk is full: SQLSTATE 53100,
     * raised here by a trigger): the record is written again until it has room, within the lease,
     * and the delivery is not sent a second time.
     */
    @Test
    void attemptRecord_whileTheDiskIsFull_isWrittenOnceThereIsRoom_notLeftToTheLease() throws Exception {
        receiver.script("/full", Reply.status(200));
        endpoint("/full");
        db.useHandle(h -> {
            h.execute("CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'could not extend file (the test)' USING ERRCODE = '53100'; END $$");
            h.execute("CREATE TRIGGER disk_full BEFORE INSERT ON attempt FOR EACH ROW EXECUTE FUNCTION disk_full()");
        });
        Published p = publishUnleased(message("invoice.paid", null));
        Thread room = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                return;
            }
            allow("disk_full");
        });

        assertThat(node.dispatcher().runDueOnce()).isEqualTo(1);
        room.join();
        assertThat(attemptsOf(p)).extracting(Attempt::status, Attempt::responseStatusCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Attempt.SUCCESS, 200));
        assertThat(only(deliveriesOf(p)).status()).isEqualTo("succeeded");
        assertThat(receiver.received("/full")).as("sent once").hasSize(1);
        assertThat(node.dispatcher().held()).isZero();
    }
}
