package io.herald.store;

import io.herald.HeraldException;
import io.herald.HeraldException.StoreUnavailable.Reason;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import org.jdbi.v3.core.ConnectionException;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;
import org.sqlite.SQLiteException;

/**
 * Tells a failure of the database itself (unreachable, disk full, read-only) from a failure of one
 * statement (its data refused, a constraint, a bug): the first is the same for every caller and
 * passes by itself, the second is the caller's. Read from the exception chain: PostgreSQL's
 * SQLSTATE, SQLite's result code, the pool's timeout.
 */
public final class StoreFaults {
    private StoreFaults() {}

    /** The store's own trouble behind {@code t}, or empty when {@code t} is about a statement. */
    public static Optional<Reason> of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HeraldException.StoreUnavailable su) {
                return Optional.of(su.reason());
            }
            if (c instanceof SQLiteException se) {
                Optional<Reason> r = sqlite(se.getResultCode().name());
                if (r.isPresent()) {
                    return r;
                }
            } else if (c instanceof SQLException se && se.getSQLState() != null) {
                Optional<Reason> r = sqlState(se.getSQLState());
                if (r.isPresent()) {
                    return r;
                }
            }
            if (c instanceof SQLTransientConnectionException || c instanceof ConnectionException) {
                // The pool had no connection to give in time, or could not open one.
                return Optional.of(Reason.UNREACHABLE);
            }
        }
        return Optional.empty();
    }

    /**
     * True when the connection itself broke under {@code t} (not an answer from the server): a
     * commit that fails so may have been written.
     */
    public static boolean connectionLost(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException se && !(c instanceof SQLiteException) && se.getSQLState() != null
                    && (se.getSQLState().startsWith("08") || se.getSQLState().equals("57P01")
                    || se.getSQLState().equals("57P02"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A log line about {@code e} at {@code level} with its stack; at DEBUG instead when {@code e} is
     * the database's own trouble, which {@link StoreHealth} logs once per outage, so that an outage
     * is not a stack trace per delivery and per poll.
     */
    public static LoggingEventBuilder logAt(Logger log, Level level, Throwable e) {
        return (of(e).isPresent() || e instanceof HeraldException.CommitUnknown ? log.atDebug() : log.atLevel(level)).setCause(e);
    }

    static Optional<Reason> sqlState(String state) {
        if (state.equals("53100")) {
            return Optional.of(Reason.DISK_FULL);
        }
        if (state.equals("25006")) {
            return Optional.of(Reason.READ_ONLY);
        }
        // 08: connection exceptions; 57P01-03: admin or crash shutdown, cannot connect now;
        // 53300: too many connections.
        if (state.startsWith("08") || state.startsWith("57P0") || state.equals("53300")) {
            return Optional.of(Reason.UNREACHABLE);
        }
        return Optional.empty();
    }

    static Optional<Reason> sqlite(String resultCode) {
        if (resultCode.startsWith("SQLITE_FULL")) {
            return Optional.of(Reason.DISK_FULL);
        }
        if (resultCode.startsWith("SQLITE_READONLY")) {
            return Optional.of(Reason.READ_ONLY);
        }
        if (resultCode.startsWith("SQLITE_IOERR") || resultCode.startsWith("SQLITE_CANTOPEN")
                || resultCode.startsWith("SQLITE_BUSY") || resultCode.startsWith("SQLITE_LOCKED")) {
            return Optional.of(Reason.UNREACHABLE);
        }
        return Optional.empty();
    }
}
