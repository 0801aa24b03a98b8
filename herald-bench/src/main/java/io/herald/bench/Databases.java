package io.herald.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where each Herald keeps its data. SQLite: the file in Herald's fresh data directory. PostgreSQL:
 * a database created for each Herald on 127.0.0.1:5432 (user postgres, trust) and dropped after
 * it, or the one given with {@code --database-url}, used as it is.
 */
final class Databases {
    static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    /** A database for one Herald: its URL (null for SQLite), and how to get rid of it. */
    record Fresh(String url, boolean created) {}

    private final String store;
    private final String givenUrl;
    private final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
    private final AtomicInteger made = new AtomicInteger();

    Databases(String store, String givenUrl) {
        this.store = store;
        this.givenUrl = givenUrl;
    }

    Fresh fresh(String label) {
        if (store.equals("sqlite")) {
            return new Fresh(null, false);
        }
        if (givenUrl != null) {
            return new Fresh(givenUrl, false);
        }
        String name = "herald_bench_" + stamp + "_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_")
                + "_" + made.incrementAndGet();
        admin("CREATE DATABASE " + name);
        return new Fresh("jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres", true);
    }

    void drop(Fresh db) {
        if (db.created()) {
            admin("DROP DATABASE IF EXISTS " + name(db) + " WITH (FORCE)");
        }
    }

    private static String name(Fresh db) {
        return db.url().substring(db.url().lastIndexOf('/') + 1, db.url().indexOf('?'));
    }

    /**
     * Transactions committed in Herald's database so far ({@code xact_commit} of
     * {@code pg_stat_database}, read-only ones included); null on SQLite. PostgreSQL publishes these
     * counts late (see {@link Cost}). A database the harness created is read from the admin
     * database, so that the reading itself is not counted; one given with {@code --database-url}
     * is read through its own URL, which adds the reading's own transaction or two.
     */
    Long commits(Fresh db) {
        if (db.url() == null) {
            return null;
        }
        String url = db.created() ? ADMIN_URL : db.url();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT xact_commit FROM pg_stat_database WHERE datname = "
                     + (db.created() ? "?" : "current_database()"))) {
            // Statistics read in a transaction are cached until it ends (stats_fetch_consistency);
            // this connection is in autocommit, and clearing makes sure anyway.
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_stat_clear_snapshot()");
            }
            if (db.created()) {
                ps.setString(1, name(db));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_database at " + url + ": " + e.getMessage(), e);
        }
    }

    private static void admin(String sql) {
        try (Connection c = DriverManager.getConnection(ADMIN_URL); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " on " + ADMIN_URL + " failed: " + e.getMessage()
                    + " (is PostgreSQL running on 127.0.0.1:5432 with trust auth for user postgres?)", e);
        }
    }

    /** The store and, for PostgreSQL, the server's version. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", store);
        if (store.equals("postgres")) {
            String url = givenUrl != null ? givenUrl : ADMIN_URL;
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                m.put("serverVersion", rs.getString(1));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot reach PostgreSQL at " + url + ": " + e.getMessage(), e);
            }
            m.put("freshDatabasePerScenario", givenUrl == null);
        } else {
            m.put("note", "the SQLite file in a fresh data directory per Herald; its library version is under each jar");
        }
        return m;
    }
}
