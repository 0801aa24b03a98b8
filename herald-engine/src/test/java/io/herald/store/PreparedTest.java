package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** Kept statements on real SQLite files and a real PostgreSQL database. */
class PreparedTest {
    private static final String INSERT = "INSERT INTO t (k, n, at) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM t WHERE k = ?)";
    private static final String FIRST = "SELECT k FROM t ORDER BY k";
    private static final String COUNT = "SELECT count(*) FROM t";

    @TempDir
    Path dir;
    private Store store;
    private TestPostgres.Database pg;

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private Jdbi sqlite(int poolSize) {
        // poolSize connections for reads (jdbi()), and one for the writer.
        store = Store.open(Store.sqliteUrl(dir), new StoreSettings(poolSize + 1, 1));
        return withTable(store.jdbi());
    }

    private Jdbi postgres() {
        pg = TestPostgres.create();
        store = Store.open(pg.url(), new StoreSettings(4, 1));
        return withTable(store.jdbi());
    }

    private static Jdbi withTable(Jdbi jdbi) {
        jdbi.useHandle(h -> h.execute("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, at BIGINT)"));
        return jdbi;
    }

    private static int insert(Handle h, String k, Integer n, Long at) {
        return Prepared.on(h, INSERT).set(k).set(n).set(at).set(k).update();
    }

    private static long count(Handle h) {
        return Prepared.on(h, COUNT).first((rs, ctx) -> rs.getLong(1)).orElseThrow();
    }

    @Test
    void sameConnectionAndText_getTheSameStatement_acrossBorrowsFromThePool() {
        Jdbi jdbi = sqlite(1);
        Prepared first = jdbi.withHandle(h -> Prepared.on(h, COUNT));
        Prepared again = jdbi.withHandle(h -> Prepared.on(h, COUNT));
        Prepared other = jdbi.withHandle(h -> Prepared.on(h, FIRST));

        assertThat(again).isSameAs(first);
        assertThat(other).isNotSameAs(first);
    }

    @Test
    void nullsOfEveryType_areBound_onPostgres() {
        // PostgreSQL takes an untyped null in a SELECT list for text and then refuses it for a number.
        Jdbi jdbi = postgres();
        jdbi.useHandle(h -> {
            assertThat(insert(h, "a", null, null)).isEqualTo(1);
            assertThat(insert(h, "b", 7, 9_000_000_000L)).isEqualTo(1);
            assertThat(insert(h, "a", 1, 1L)).as("the guard of the statement holds").isZero();
            assertThat(h.createQuery("SELECT k || ':' || coalesce(n, -1) || ':' || coalesce(at, -1) FROM t ORDER BY k")
                    .mapTo(String.class).list()).containsExactly("a:-1:-1", "b:7:9000000000");
        });
    }

    @Test
    void aFirstRowRead_doesNotHoldItsSnapshot_onSqlite() {
        // A statement stepped once and not reset keeps its read transaction on SQLite: the
        // connection would not see later commits of other connections.
        Jdbi jdbi = sqlite(2);
        jdbi.useHandle(h -> {
            insert(h, "a", 1, 1L);
            insert(h, "b", 2, 2L);
        });
        try (Handle reader = jdbi.open(); Handle writer = jdbi.open()) {
            assertThat(Prepared.on(reader, FIRST).first((rs, ctx) -> rs.getString(1))).contains("a");
            insert(writer, "c", 3, 3L);
            assertThat(count(reader)).isEqualTo(3);
        }
    }

    @Test
    void sqliteConnections_doNotQueryTheGeneratedKeyAfterEveryInsert() throws SQLException {
        try (Handle h = sqlite(1).open()) {
            assertThat(h.getConnection().unwrap(SQLiteConnection.class).getConnectionConfig().isGetGeneratedKeys()).isFalse();
        }
    }

    @Test
    void aBatchLeftUnrun_isDropped_beforeTheNextCallerBinds() {
        Jdbi jdbi = sqlite(1);
        assertThatThrownBy(() -> jdbi.useHandle(h -> {
            Prepared.on(h, INSERT).set("left").set(1).set(1L).set("left").add();
            throw new IllegalStateException("the caller failed before running its batch");
        })).isInstanceOf(IllegalStateException.class);

        jdbi.useHandle(h -> {
            int[] counts = Prepared.on(h, INSERT).set("x").set(1).set(1L).set("x").add()
                    .set("y").set(2).set(2L).set("y").add().batch();
            assertThat(counts).containsExactly(1, 1);
            assertThat(h.createQuery("SELECT k FROM t ORDER BY k").mapTo(String.class).list()).containsExactly("x", "y");
        });
    }

    @Test
    void aFailedStatement_saysWhy_andIsPreparedAfresh() {
        for (Supplier<Jdbi> database : List.<Supplier<Jdbi>>of(() -> sqlite(1), this::postgres)) {
            database.get().useHandle(h -> {
                String duplicate = "INSERT INTO t (k, n, at) VALUES (?, ?, ?)";
                Prepared once = Prepared.on(h, duplicate).set("k").set(1).set(1L);
                assertThat(once.update()).isEqualTo(1);
                assertThatThrownBy(() -> Prepared.on(h, duplicate).set("k").set(1).set(1L).update())
                        .isInstanceOf(UnableToExecuteStatementException.class)
                        .hasCauseInstanceOf(SQLException.class);
                Prepared afresh = Prepared.on(h, duplicate);
                assertThat(afresh).isNotSameAs(once);
                assertThat(afresh.set("k2").set(2).set(2L).update()).isEqualTo(1);
            });
            store.close();
            store = null;
        }
    }

    @Test
    void statementsOfClosedConnections_areForgotten_whenANewConnectionIsSeen() {
        sqlite(1).useHandle(h -> { });
        // No pool: every handle opens a connection of its own and closes it.
        Jdbi unpooled = Jdbi.create(Store.sqliteUrl(dir));
        unpooled.useHandle(h -> count(h));
        int kept = Prepared.connectionsKept();
        assertThat(kept).as("the connection just closed, not seen to be closed yet").isPositive();
        for (int i = 0; i < 5; i++) {
            unpooled.useHandle(h -> count(h));
        }
        assertThat(Prepared.connectionsKept()).as("each closed connection forgotten when the next came").isEqualTo(kept);
    }
}
