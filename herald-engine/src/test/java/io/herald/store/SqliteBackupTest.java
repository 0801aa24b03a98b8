package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.app.ApplicationIn;
import io.herald.message.MessageIn;
import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A copy of a live SQLite database, taken while a node writes to it. */
class SqliteBackupTest {
    @TempDir
    Path dir;
    Herald node;
    String url;
    String app;

    @BeforeEach
    void start() {
        url = Store.sqliteUrl(dir);
        node = Herald.start(EngineConfig.defaults(url).withKeyring(TestKeys.KEYRING), SettableClock.atNow());
        app = node.applications().create(new ApplicationIn("backup", "backup", null, null), false).application().id();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void copy_whilePublishing_holdsEveryMessageAcceptedBeforeIt_andOpensOnItsOwn() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread publisher = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                node.messages().create(app, new MessageIn("backup.test", null, "{\"n\": 1}", null, null));
                accepted.incrementAndGet();
            }
        });
        try {
            while (accepted.get() < 50) {
                Thread.sleep(5);
            }
            int before = accepted.get();
            SqliteBackup.Copy copy = SqliteBackup.copy(url, dir.resolve("copy.db"));
            int after = accepted.get();

            assertThat(copy.file()).isEqualTo(dir.resolve("copy.db").toAbsolutePath());
            assertThat(copy.messages()).as("a snapshot between the publishes seen before and after")
                    .isBetween((long) before, (long) after);
            assertThat(copy.bytes()).isEqualTo(Files.size(copy.file()));
            assertThat(dir.resolve("copy.db.partial")).doesNotExist();
            assertThat(dir.resolve("copy.db-wal")).as("one self-contained file").doesNotExist();
            // The copy is a database of its own: its rows read back without the node.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy.file())) {
                assertThat(count(c, "SELECT COUNT(*) FROM message WHERE app_id = '" + app + "'")).isEqualTo(copy.messages());
                assertThat(count(c, "SELECT COUNT(*) FROM application WHERE id = '" + app + "'")).isEqualTo(1);
            }
        } finally {
            stop.set(true);
            publisher.join();
        }
        // The node went on writing throughout.
        assertThat(node.messages().create(app, new MessageIn("backup.test", null, "{}", null, null)).message().id()).isNotNull();
    }

    @Test
    void copy_refusesATargetThatExists_andLeavesItAlone() throws Exception {
        Path target = Files.writeString(dir.resolve("keep.db"), "precious");
        assertThatThrownBy(() -> SqliteBackup.copy(url, target))
                .isInstanceOf(SqliteBackup.Refused.class).hasMessageContaining("exists already");
        assertThat(Files.readString(target)).isEqualTo("precious");
    }

    @Test
    void copy_ofAMissingDatabase_isRefused_withoutCreatingOne() {
        Path missing = dir.resolve("elsewhere").resolve("herald.db");
        assertThatThrownBy(() -> SqliteBackup.copy("jdbc:sqlite:" + missing, dir.resolve("copy.db")))
                .isInstanceOf(SqliteBackup.Refused.class).hasMessageContaining("no database at");
        assertThat(missing).doesNotExist();
        assertThat(dir.resolve("copy.db")).doesNotExist();
    }

    @Test
    void copy_intoAFolderThatDoesNotExist_isRefused() {
        assertThatThrownBy(() -> SqliteBackup.copy(url, dir.resolve("no-such-folder").resolve("copy.db")))
                .isInstanceOf(SqliteBackup.Refused.class).hasMessageContaining("does not exist");
    }

    @Test
    void copy_onPostgresql_pointsToItsOwnTools() {
        assertThatThrownBy(() -> SqliteBackup.copy("jdbc:postgresql://127.0.0.1/herald", dir.resolve("copy.db")))
                .isInstanceOf(SqliteBackup.Refused.class).hasMessageContaining("pg_dump");
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (ResultSet r = c.createStatement().executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
