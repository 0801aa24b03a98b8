package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.HeraldException.StoreUnavailable.Reason;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which failures are the database's own (the same for every caller) and which a statement's. */
class StoreFaultsTest {
    @TempDir
    Path dir;

    private static RuntimeException wrapped(SQLException e) {
        return new UnableToExecuteStatementException(e, null);
    }

    @Test
    void postgresqlStates_areReadFromTheChain() {
        assertThat(StoreFaults.of(wrapped(new SQLException("gone", "08006")))).contains(Reason.UNREACHABLE);
        assertThat(StoreFaults.of(wrapped(new SQLException("terminating connection due to administrator command", "57P01"))))
                .contains(Reason.UNREACHABLE);
        assertThat(StoreFaults.of(wrapped(new SQLException("the database system is starting up", "57P03")))).contains(Reason.UNREACHABLE);
        assertThat(StoreFaults.of(wrapped(new SQLException("too many clients", "53300")))).contains(Reason.UNREACHABLE);
        assertThat(StoreFaults.of(wrapped(new SQLException("could not extend file: No space left on device", "53100"))))
                .contains(Reason.DISK_FULL);
        assertThat(StoreFaults.of(wrapped(new SQLException("cannot execute INSERT in a read-only transaction", "25006"))))
                .contains(Reason.READ_ONLY);
        assertThat(StoreFaults.of(new SQLTransientConnectionException("herald - Connection is not available, request timed out")))
                .contains(Reason.UNREACHABLE);
    }

    @Test
    void aStatementsOwnFailure_isNotTheStores() {
        assertThat(StoreFaults.of(wrapped(new SQLException("duplicate key", "23505")))).isEmpty();
        assertThat(StoreFaults.of(wrapped(new SQLException("invalid byte sequence for encoding \"UTF8\": 0x00", "22021")))).isEmpty();
        assertThat(StoreFaults.of(wrapped(new SQLException("deadlock detected", "40P01")))).isEmpty();
        assertThat(StoreFaults.of(new IllegalStateException("a bug"))).isEmpty();
    }

    @Test
    void connectionLost_isOnlyABrokenConnection_notAnAnswer() {
        assertThat(StoreFaults.connectionLost(wrapped(new SQLException("An I/O error occurred while sending to the backend", "08006"))))
                .isTrue();
        assertThat(StoreFaults.connectionLost(wrapped(new SQLException("could not extend file", "53100")))).isFalse();
        assertThat(StoreFaults.connectionLost(wrapped(new SQLException("serialization failure", "40001")))).isFalse();
    }

    @Test
    void sqliteCodes_fullReadOnlyAndIoErrors_areTheStores() {
        assertThat(StoreFaults.sqlite("SQLITE_FULL")).contains(Reason.DISK_FULL);
        assertThat(StoreFaults.sqlite("SQLITE_READONLY_DBMOVED")).contains(Reason.READ_ONLY);
        assertThat(StoreFaults.sqlite("SQLITE_IOERR_WRITE")).contains(Reason.UNREACHABLE);
        assertThat(StoreFaults.sqlite("SQLITE_CONSTRAINT_UNIQUE")).isEmpty();
        assertThat(StoreFaults.sqlite("SQLITE_ERROR")).isEmpty();
    }

    /** A file that may not grow (SQLite's max_page_count) fails writes as a full disk does: SQLITE_FULL. */
    @Test
    void aFullSqliteFile_failsWritesAsDiskFull_nothingWritten_andReadsGoOn() {
        try (Store store = Store.open(Store.sqliteUrl(dir), StoreSettings.DEFAULTS)) {
            long pages = store.read(h -> h.createQuery("PRAGMA page_count").mapTo(Long.class).one());
            store.inTransaction(h -> h.execute("CREATE TABLE filler (v TEXT)"));
            // Every connection of the store: the writer's is the one that matters.
            store.inTransaction(h -> h.execute("PRAGMA max_page_count = " + (pages + 8)));
            String row = "x".repeat(4096);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    store.inTransaction(h -> h.execute("INSERT INTO filler (v) VALUES (?)", row));
                }
            }).isInstanceOfSatisfying(HeraldException.StoreUnavailable.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.DISK_FULL);
                assertThat(e.getMessage()).startsWith("the database's disk is full: ");
            });
            assertThat(store.health().failing()).isEqualTo(Optional.of(Reason.DISK_FULL));
            long rows = store.read(h -> h.createQuery("SELECT COUNT(*) FROM filler").mapTo(Long.class).one());
            assertThat(rows).as("reads answer, and mark the store healthy again").isLessThan(100);
            assertThat(store.health().failing()).isEmpty();
        }
    }
}
