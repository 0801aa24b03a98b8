package io.herald.testing;

import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL server tests run against: {@code HERALD_TEST_POSTGRES_URL} when set, else the
 * server at 127.0.0.1:5432 (user postgres), else an embedded one started for this JVM, so that a
 * machine without a server still runs every PostgreSQL test instead of skipping it. Each test
 * takes a database of its own, with Herald's schema, and drops it afterwards.
 */
public final class TestPostgres {
    private static final String LOCAL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?$");
    private static String adminUrl;
    private static EmbeddedPostgres embedded;

    private TestPostgres() {}

    /** A fresh database; closing it drops it. */
    public record Database(String name, String url) implements AutoCloseable {
        @Override
        public void close() {
            execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /**
     * A fresh database holding Herald's current schema. Where the server has ICU (PostgreSQL 15+),
     * it sorts text by the linguistic en-US collation, as many production servers do, rather than
     * byte order: ordering that only works under "C" shows up in tests.
     *
     * <p>It is a copy of a template that this JVM migrated once, so that Herald's migrations find
     * nothing to do: run on each test's database, they made a node's start about 0.4 s slower (0.5
     * to 0.7 s against 0.15 to 0.2 s), for every PostgreSQL test.
     */
    public static Database create() {
        String template = template();
        String name = newName();
        synchronized (TestPostgres.class) {
            // one copy at a time: PostgreSQL refuses to copy a template that another session uses
            execute("CREATE DATABASE " + name + " TEMPLATE " + template);
        }
        return new Database(name, withDatabase(adminUrl(), name));
    }

    private static String template;

    /** The database {@link #create()} copies: migrated by {@link Store#open}, dropped when the JVM exits. */
    private static synchronized String template() {
        if (template != null) {
            return template;
        }
        String name = newName() + "_template";
        createEmpty(name);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (RuntimeException e) {
                // the server is gone (an embedded one stops in a hook of its own): nothing to drop
            }
        }));
        Store.open(withDatabase(adminUrl(), name), StoreSettings.DEFAULTS).close();
        template = name;
        return name;
    }

    /**
     * A fresh database without Herald's schema, sorting text as {@link #create()}'s do: for tests
     * that migrate it themselves (an upgrade from an earlier schema version, say).
     */
    public static Database blank() {
        String name = newName();
        createEmpty(name);
        return new Database(name, withDatabase(adminUrl(), name));
    }

    private static void createEmpty(String name) {
        if (icu()) {
            execute("CREATE DATABASE " + name + " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
        } else {
            execute("CREATE DATABASE " + name);
        }
    }

    private static String newName() {
        return "herald_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** A copy of {@code source}, made by the server; nothing may be connected to {@code source}. */
    public static Database copyOf(Database source) {
        String name = newName();
        execute("CREATE DATABASE " + name + " TEMPLATE " + source.name());
        return new Database(name, withDatabase(adminUrl(), name));
    }

    private static Boolean icu;

    private static synchronized boolean icu() {
        if (icu == null) {
            try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT current_setting('server_version_num')::int >= 150000"
                         + " AND EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu')")) {
                rs.next();
                icu = rs.getBoolean(1);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot inspect the PostgreSQL server: " + e.getMessage(), e);
            }
        }
        return icu;
    }

    /** The URL of the server's maintenance database. */
    public static synchronized String adminUrl() {
        if (adminUrl != null) {
            return adminUrl;
        }
        String env = System.getenv("HERALD_TEST_POSTGRES_URL");
        if (env != null && !env.isBlank()) {
            adminUrl = env.strip();
        } else if (reachable(LOCAL)) {
            adminUrl = LOCAL;
        } else {
            try {
                embedded = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("no PostgreSQL at 127.0.0.1:5432 and the embedded one did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException e) {
                    // the JVM is exiting
                }
            }));
            adminUrl = embedded.getJdbcUrl("postgres", "postgres");
        }
        return adminUrl;
    }

    static String withDatabase(String url, String database) {
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a jdbc:postgresql:// URL: " + url);
        }
        return m.group(1) + "/" + database + (m.group(3) == null ? "" : m.group(3));
    }

    private static boolean reachable(String url) {
        try (Connection c = DriverManager.getConnection(url)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
