package io.herald;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness on SQLite when the store itself fails: its pools closed under it (the server's tests
 * make PostgreSQL unreachable and see it recover; PostgresReadinessEndToEndTest).
 */
class SqliteReadinessTest {
    @TempDir
    Path dir;
    Herald node;

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aStoreThatCannotAnswerIsNotReady_withinTheBound_andTheAnswerIsKeptASecond() {
        SettableClock clock = SettableClock.atNow();
        node = Herald.start(EngineConfig.defaults("jdbc:sqlite:" + dir.resolve("herald.db")).withKeyring(TestKeys.KEYRING), clock);
        assertThat(node.readiness().check()).isEmpty();
        node.store().close();
        assertThat(node.readiness().check()).as("kept for a second of the clock").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        long started = System.nanoTime();
        Readiness.NotReady no = node.readiness().check().orElseThrow();
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1_500);
        assertThat(no.reason()).isEqualTo("store_unavailable");
        assertThat(no.detail()).contains("database");
    }
}
