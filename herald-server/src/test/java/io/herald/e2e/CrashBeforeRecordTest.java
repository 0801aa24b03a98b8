package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Store;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * At least once across a crash in the one window batching opens: the receiver has answered, and
 * the attempt's record is not yet committed. The test holds the write that would record it (a
 * lock on the attempt table, or SQLite's write lock), kills Herald with SIGKILL, and starts it
 * again on the same database: the message must be delivered again, and recorded once.
 */
// A separate process, mostly waited for: runs beside the other test classes (junit-platform.properties).
@Execution(ExecutionMode.CONCURRENT)
class CrashBeforeRecordTest {
    @TempDir
    Path dir;
    final LoopbackReceiver receiver = new LoopbackReceiver();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        receiver.close();
    }

    @Test
    void sqlite_killedAfterTheReceiptBeforeTheRecord_deliversAgainAfterRestart() throws Exception {
        Path data = dir.resolve("data");
        // Answered late, so the test can take the write lock after the publish committed and
        // before Herald, holding the answer, wants to record it.
        receiver.fallback(Reply.delayed(Duration.ofSeconds(2), Reply.status(200)));
        HeraldProcess first = HeraldProcess.start(data, dir.resolve("herald.log"), Map.of());
        toClose.add(first);
        String msg;
        // Opened before the publish: the first SQLite connection of this JVM loads the native library.
        try (Connection lock = DriverManager.getConnection(Store.sqliteUrl(data))) {
            msg = publishToOneEndpoint(first);
            try (Statement s = lock.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            awaitReceived(1);
            // The answer leaves the receiver 2 s after the receipt; Herald then waits for the lock.
            HeraldProcess.sleep(3_000);
            first.kill9();
            try (Statement s = lock.createStatement()) {
                s.execute("ROLLBACK");
            }
        }
        HeraldProcess second = assertDeliveredAgainAndRecordedOnce(data, Map.of(), msg);
        assertThat(second.log()).as("the delivery was still leased, its record not committed, when Herald died")
                .contains("resumed 1 deliveries leased by a previous run");
    }

    @Test
    void postgres_killedAfterTheReceiptBeforeTheRecord_deliversAgainAfterTheLease() throws Exception {
        TestPostgres.Database db = TestPostgres.create();
        toClose.add(db);
        Map<String, String> env = Map.of("HERALD_DATABASE_URL", db.url(), "HERALD_LEASE_SECONDS", "40");
        Path data = dir.resolve("data");
        HeraldProcess first = HeraldProcess.start(data, dir.resolve("herald.log"), env);
        toClose.add(first);
        TestHerald.expect(first.api.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}"), 201);
        TestHerald.expect(first.api.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/a") + "\"}"), 201);
        String msg;
        try (Connection lock = DriverManager.getConnection(db.url())) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.execute("LOCK TABLE attempt IN ACCESS EXCLUSIVE MODE");
            }
            msg = TestHerald.expect(first.api.post("/api/v1/app/acme/msg",
                    "{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}"), 201).get("id").asString();
            awaitReceived(1);
            awaitRecordWaitingForTheLock(lock);
            first.kill9();
            lock.rollback();
        }
        assertDeliveredAgainAndRecordedOnce(data, env, msg);
    }

    private String publishToOneEndpoint(HeraldProcess h) {
        TestHerald.expect(h.api.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}"), 201);
        TestHerald.expect(h.api.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/a") + "\"}"), 201);
        return TestHerald.expect(h.api.post("/api/v1/app/acme/msg", "{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}"),
                201).get("id").asString();
    }

    private HeraldProcess assertDeliveredAgainAndRecordedOnce(Path data, Map<String, String> env, String msg) {
        HeraldProcess second = HeraldProcess.start(data, dir.resolve("herald-2.log"), env);
        toClose.add(second);
        try {
            awaitReceived(2);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the restarted Herald's log:\n" + second.log(), e);
        }
        assertThat(receiver.received("/a")).extracting(r -> r.header("webhook-id")).containsExactly(msg, msg);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int recorded;
        do {
            recorded = second.api.get("/api/v1/app/acme/attempt/msg/" + msg).body().get("data").size();
        } while (recorded == 0 && System.nanoTime() < deadline && sleep());
        assertThat(recorded).as("the attempt whose record the crash lost is not there; the new one is").isEqualTo(1);
        return second;
    }

    private static boolean sleep() {
        HeraldProcess.sleep(20);
        return true;
    }

    private void awaitReceived(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (receiver.received("/a").size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + receiver.received("/a").size() + " of " + n);
            }
            HeraldProcess.sleep(10);
        }
    }

    /**
     * Returns once another session waits for a lock: {@code lock} holds only the attempt table's,
     * and only the record touches that table. (The waiting session's {@code query} is not always
     * the INSERT: pgjdbc may have sent the statements of the transaction together.)
     */
    private static void awaitRecordWaitingForTheLock(Connection lock) throws SQLException {
        // Generous: on a loaded machine the answer can take a while to be handled.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (Statement s = lock.createStatement(); ResultSet rs = s.executeQuery("""
                    SELECT COUNT(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()""")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
            HeraldProcess.sleep(10);
        }
        StringBuilder sessions = new StringBuilder();
        try (Statement s = lock.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity
                WHERE datname = current_database()""")) {
            while (rs.next()) {
                sessions.append('\n').append(rs.getString(1)).append(" | ").append(rs.getString(2)).append(" | ")
                        .append(rs.getString(3)).append(" | ").append(rs.getString(4));
            }
        }
        throw new AssertionError("no record waited for the lock on the attempt table; sessions:" + sessions);
    }
}
