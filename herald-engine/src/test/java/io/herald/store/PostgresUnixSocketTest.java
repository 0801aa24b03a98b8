package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.testing.TestPostgres;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Herald's store on the PostgreSQL server's Unix-domain socket ({@code unixSocket} in the URL, see
 * {@link UnixSocketFactory}): what the server sees is a local connection, the driver's timeouts
 * still hold, and a socket that is not there fails the open with a message naming it.
 */
class PostgresUnixSocketTest {
    private TestPostgres.Database database;
    private Path socketDir;
    private int port;

    @BeforeEach
    void setUp() throws SQLException {
        database = TestPostgres.create();
        try (Connection c = DriverManager.getConnection(database.url()); Statement s = c.createStatement()) {
            socketDir = Path.of(one(s, "SHOW unix_socket_directories").split(",")[0].strip());
            port = Integer.parseInt(one(s, "SHOW port"));
        }
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String url(String socket) {
        return database.url() + (database.url().contains("?") ? "&" : "?") + "unixSocket=" + socket;
    }

    @Test
    void aStoreOnTheSocketDirectory_writesAndReads_overALocalConnection() {
        try (Store store = Store.open(url(socketDir.toString()), StoreSettings.DEFAULTS)) {
            store.inTransaction(h -> h.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)"));
            store.inTransaction(h -> h.execute("INSERT INTO t VALUES ('a', ?)", "x".repeat(100_000)));
            int length = store.read(h -> h.createQuery("SELECT length(v) FROM t WHERE k = 'a'").mapTo(Integer.class).one());
            assertThat(length).isEqualTo(100_000);
            // A Unix-domain connection has no client address; both pools are on it.
            assertThat(readsLocally(store)).isTrue();
            boolean writesLocally = store.inTransaction(h -> h.createQuery(LOCAL).mapTo(Boolean.class).one());
            assertThat(writesLocally).isTrue();
        }
        try (Store tcp = Store.open(database.url(), StoreSettings.DEFAULTS)) {
            assertThat(readsLocally(tcp)).as("the same URL without unixSocket is TCP").isFalse();
        }
    }

    private static final String LOCAL = "SELECT inet_client_addr() IS NULL";

    private static boolean readsLocally(Store store) {
        return store.read(h -> h.createQuery(LOCAL).mapTo(Boolean.class).one());
    }

    @Test
    void theSocketFileItself_isAcceptedToo() {
        Path file = socketDir.resolve(".s.PGSQL." + port);
        assertThat(Files.exists(file)).isTrue();
        try (Store store = Store.open(url(file.toString()), StoreSettings.DEFAULTS)) {
            assertThat(readsLocally(store)).isTrue();
        }
    }

    @Test
    void theUrlsPortNamesTheFileInTheDirectory(@TempDir Path other) throws Exception {
        // Port 6543 in the URL, nothing listening there on TCP; in the directory, .s.PGSQL.6543 leads
        // to the server's socket: only the socket file the port names can answer.
        Path link = Files.createSymbolicLink(other.resolve(".s.PGSQL.6543"), socketDir.resolve(".s.PGSQL." + port));
        String url = database.url().replace(":" + port + "/", ":6543/");
        assertThat(url).contains(":6543/");
        try (Store store = Store.open(url + (url.contains("?") ? "&" : "?") + "unixSocket=" + other, StoreSettings.DEFAULTS)) {
            assertThat(readsLocally(store)).isTrue();
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void aReadLongerThanTheSocketTimeout_failsWithATimeout_andTheConnectionIsClosed() throws SQLException {
        Properties info = new Properties();
        info.setProperty("socketFactory", UnixSocketFactory.class.getName());
        info.setProperty("socketTimeout", "1");
        try (Connection c = DriverManager.getConnection(url(socketDir.toString()), info); Statement s = c.createStatement()) {
            assertThat(one(s, LOCAL)).as("on the socket").isEqualTo("t");
            long t0 = System.nanoTime();
            Throwable e = catchThrowable(() -> s.execute("SELECT pg_sleep(5)"));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(e).isInstanceOf(SQLException.class);
            assertThat(rootCause(e)).isInstanceOf(SocketTimeoutException.class);
            assertThat(tookMs).as("waited about the socket timeout, not the sleep").isBetween(900L, 4_000L);
            assertThat(c.isClosed()).isTrue();
        }
    }

    @Test
    void aSocketThatIsNotThere_failsTheOpen_namingIt(@TempDir Path empty) {
        Throwable e = catchThrowable(() -> Store.open(url(empty.toString()), StoreSettings.DEFAULTS).close());
        assertThat(e).isNotNull();
        assertThat(messages(e)).contains(empty.resolve(".s.PGSQL." + port).toString());
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            b.append(t.getMessage()).append('\n');
        }
        return b.toString();
    }
}
