package io.herald.store;

import com.zaxxer.hikari.HikariConfig;
import org.jdbi.v3.core.Handle;

/** What differs between the databases Herald runs on. Everything else is shared SQL. */
public enum Dialect {
    SQLITE {
        @Override
        void configure(HikariConfig config) {
            config.addDataSourceProperty("journal_mode", "WAL");
            // FULL: the commit is on disk before publish returns 201.
            config.addDataSourceProperty("synchronous", "FULL");
            config.addDataSourceProperty("busy_timeout", "30000");
            // Copy the log into the database file every 10,000 pages (about 40 MiB), not SQLite's
            // 1,000: the writer copies (on its own thread, at a commit), and a page rewritten by
            // many commits in between is copied once. Closed-loop throughput 1.29x, system time per
            // message 0.91x (docs/benchmarks.md).
            config.addDataSourceProperty("wal_autocheckpoint", String.valueOf(WAL_AUTOCHECKPOINT_PAGES));
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            config.addDataSourceProperty("foreign_keys", "false");
            // sqlite-jdbc otherwise follows every INSERT with "SELECT last_insert_rowid()" (a statement
            // compiled, run and closed each time) in case the caller asks for generated keys. Herald
            // makes its own ids and never asks.
            config.addDataSourceProperty("jdbc.get_generated_keys", "false");
        }

        @Override
        public String lockClause() {
            // One thread writes (see Store and GroupCommit), so the claim below is atomic as is.
            return "";
        }

        @Override
        public String shareLockClause() {
            return "";
        }

        @Override
        public String contains(String column, String param) {
            return "instr(" + column + ", :" + param + ") > 0";
        }

        @Override
        public String inJsonArray(String column) {
            return column + " IN (SELECT value FROM json_each(?))";
        }

        @Override
        public String rowLockClause() {
            return "";
        }

        @Override
        public boolean singleWriter() {
            return true;
        }

        @Override
        public String writeOrder() {
            return "rowid";
        }

        @Override
        public void eraseOverwritten(Handle h, boolean on) {
            h.execute("PRAGMA secure_delete = " + (on ? "ON" : "OFF"));
        }

        @Override
        public void checkpoint(Handle h) {
            // TRUNCATE: the pages are copied into the database file and the log is emptied, so the
            // old versions of rewritten pages leave the log file too.
            h.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }

        @Override
        String[] migrations() {
            return new String[] {SHARED_MIGRATIONS, "classpath:db/sqlite"};
        }
    },
    POSTGRESQL {
        @Override
        void configure(HikariConfig config) {
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            // Bounds on a server that went away: opening a connection (seconds), and waiting for any
            // one answer (seconds; Herald's statements take milliseconds, a purge batch well under
            // a second), so that no caller waits past Store.CONNECTION_WAIT plus this.
            config.addDataSourceProperty("connectTimeout", "3");
            config.addDataSourceProperty("socketTimeout", "30");
            config.addDataSourceProperty("tcpKeepAlive", "true");
            String refused = UnixSocketFactory.refusal(config.getJdbcUrl());
            if (refused != null) {
                throw new IllegalArgumentException(refused);
            }
            if (urlParameter(config.getJdbcUrl(), UnixSocketFactory.UNIX_SOCKET) != null) {
                config.addDataSourceProperty("socketFactory", UnixSocketFactory.class.getName());
            }
        }

        @Override
        public String lockClause() {
            return "FOR UPDATE SKIP LOCKED";
        }

        @Override
        public String shareLockClause() {
            return "FOR KEY SHARE";
        }

        @Override
        public String contains(String column, String param) {
            return "strpos(" + column + ", :" + param + ") > 0";
        }

        @Override
        public String inJsonArray(String column) {
            return column + " IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))";
        }

        @Override
        public String rowLockClause() {
            // Not FOR UPDATE: that would also wait for publishes holding FOR KEY SHARE.
            return "FOR NO KEY UPDATE";
        }

        @Override
        public boolean singleWriter() {
            return false;
        }

        @Override
        public String writeOrder() {
            return "seq";
        }

        @Override
        public void eraseOverwritten(Handle h, boolean on) {
            // Old row versions stay in the table's pages until VACUUM reuses them; nothing to ask per statement.
        }

        @Override
        public void checkpoint(Handle h) {
        }

        @Override
        String[] migrations() {
            return new String[] {SHARED_MIGRATIONS, "classpath:db/postgresql"};
        }
    };

    /**
     * Migrations both databases run. A dialect's own folder holds what only it needs; versions are
     * unique across folders, so a version missing on one database is one that it does not need.
     */
    static final String SHARED_MIGRATIONS = "classpath:db/migration";

    abstract void configure(HikariConfig config);

    /** Appended to the inner SELECT of the claim so concurrent claimers skip each other's rows. */
    public abstract String lockClause();

    /**
     * Appended to a SELECT that checks a parent row exists before a child is written, so that a
     * concurrent delete of the parent waits for the write (or the write sees the delete). SQLite
     * needs none: its one writer runs transactions one after another.
     */
    public abstract String shareLockClause();

    /**
     * Appended to a SELECT of a row that a transaction works under, so that two transactions working
     * under the same row take turns (and the row is not deleted meanwhile). SQLite needs none.
     */
    public abstract String rowLockClause();

    /** A condition: the text of {@code column} holds the text bound to {@code param}, as is (no wildcards, case counts). */
    public abstract String contains(String column, String param);

    /**
     * A condition with one positional parameter, a JSON array of strings: {@code column} is one of
     * them. One statement text for any number of values, so that it can be kept ({@link Prepared}).
     */
    public abstract String inJsonArray(String column);

    /**
     * A column of {@code delivery} that orders rows as they were written (committed one after
     * another): SQLite's rowid, a sequence on PostgreSQL. Ids order only to the millisecond.
     */
    public abstract String writeOrder();

    /** True when only one process may use the database (so leases can be reset at start). */
    public abstract boolean singleWriter();

    /**
     * With {@code on}, what {@code h}'s connection overwrites or deletes is overwritten with zeros in
     * the database file rather than left in free space (SQLite's {@code secure_delete}), for writes
     * that replace secrets. PostgreSQL has no such switch: old row versions stay until VACUUM.
     */
    public abstract void eraseOverwritten(Handle h, boolean on);

    /** Moves what the write-ahead log holds into the database file and empties the log (SQLite); nothing on PostgreSQL. */
    public abstract void checkpoint(Handle h);

    /** Flyway locations of this database's migrations. */
    abstract String[] migrations();

    /** The value of {@code name} in the URL's query, or null. */
    static String urlParameter(String jdbcUrl, String name) {
        int q = jdbcUrl.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : jdbcUrl.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    public static Dialect forUrl(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("HERALD_DATABASE_URL must start with jdbc:postgresql: or jdbc:sqlite:, got " + Store.redact(jdbcUrl));
    }

    /** SQLite's {@code wal_autocheckpoint}: the log's length, in pages, at which a commit copies it into the database. */
    public static final int WAL_AUTOCHECKPOINT_PAGES = 10_000;
}
