package io.herald.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A consistent copy of Herald's SQLite file while nodes keep writing to it: {@code VACUUM INTO}
 * reads one snapshot (a read transaction, which in WAL mode neither waits for the writer nor holds
 * it up) and writes it compacted to a new file. The copy is written beside the target under a
 * temporary name, made durable, checked, and only then renamed, so a file at the target's name is
 * always a whole backup.
 */
public final class SqliteBackup {
    /** What to use instead on PostgreSQL. */
    public static final String ON_POSTGRESQL =
            "backup copies Herald's SQLite file; on PostgreSQL use pg_dump or the server's own backups (docs/operations.md)";

    private SqliteBackup() {}

    /** A finished copy: where, its size, and what it holds. */
    public record Copy(Path file, long bytes, long messages, long attempts) {}

    /** The backup cannot be made; the message says why, in the operator's terms. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Copies the SQLite database at {@code jdbcUrl} to {@code target}, which must not exist yet.
     *
     * @throws Refused when the URL is not SQLite, the database file does not exist, the target
     *     exists, or SQLite cannot write the copy (the temporary file is removed)
     */
    public static Copy copy(String jdbcUrl, Path target) {
        if (Dialect.forUrl(jdbcUrl) != Dialect.SQLITE) {
            throw new Refused(ON_POSTGRESQL);
        }
        Path source = Path.of(jdbcUrl.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", ""));
        if (!Files.isRegularFile(source)) {
            // Opening it would create an empty database and back that up.
            throw new Refused("no database at " + source.toAbsolutePath() + " (check HERALD_DATA_DIR or HERALD_DATABASE_URL)");
        }
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute)) {
            throw new Refused(absolute + " exists already; choose a new file name");
        }
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new Refused("the folder of " + absolute + " does not exist");
        }
        Path partial = dir.resolve(absolute.getFileName() + ".partial");
        try {
            Files.deleteIfExists(partial);
            Properties settings = new Properties();
            // The writer may hold the lock for a moment while the WAL is checkpointed.
            settings.setProperty("busy_timeout", "30000");
            try (Connection c = DriverManager.getConnection(jdbcUrl, settings);
                 PreparedStatement into = c.prepareStatement("VACUUM INTO ?")) {
                into.setString(1, partial.toString());
                into.execute();
            }
            // VACUUM INTO leaves syncing the new file to the caller.
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Copy checked = check(partial);
            move(partial, absolute);
            syncDirectory(dir);
            return new Copy(absolute, checked.bytes(), checked.messages(), checked.attempts());
        } catch (SQLException e) {
            deleteQuietly(partial);
            throw new Refused("SQLite could not write the copy: " + e.getMessage(), e);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new Refused("could not write " + absolute + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(partial);
            throw e;
        }
    }

    /** Opens the copy on its own and counts what it holds, after SQLite's quick integrity check. */
    private static Copy check(Path file) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA quick_check")) {
                String verdict = r.next() ? r.getString(1) : "no answer";
                if (!"ok".equals(verdict)) {
                    throw new Refused("the copy failed SQLite's integrity check: " + verdict);
                }
            }
            long messages = count(s, "message");
            long attempts = count(s, "attempt");
            // Leave the copy in rollback-journal mode: a single file, with no -wal or -shm beside it.
            s.execute("PRAGMA journal_mode = DELETE");
            return new Copy(file, Files.size(file), messages, attempts);
        }
    }

    private static long count(Statement s, String table) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every file system lets a directory be opened; the file itself is on disk.
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // The error being reported matters more; a leftover ".partial" file is never mistaken for a backup.
        }
    }
}
