package io.herald.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.UnableToCreateStatementException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * A statement of the hot path (publish, attempt), in plain JDBC with positional parameters,
 * prepared once per database connection and kept for the next caller of that connection.
 *
 * <p>Why: jdbi builds every statement anew — a copy of its configuration, a parse of the named
 * parameters, a lookup of an argument factory per parameter and of a mapper per result, a JFR
 * event, cleanables — and sqlite-jdbc, which has no statement cache, compiles the SQL each time
 * ({@code sqlite3_prepare}). A profile of the publish-and-deliver loop put jdbi's statement
 * machinery at about 40 % of Herald's Java samples (docs/benchmarks.md). PostgreSQL's driver caches
 * queries by text on its own, so there only the jdbi part is saved.
 *
 * <p>Statements are kept per physical connection (Hikari hands out a new proxy on every borrow, so
 * the proxy cannot be the key). Closing a connection closes its statements; the statements of
 * connections found closed (the pool retires each after its lifetime) are forgotten whenever a
 * new connection is first seen, so they are kept for live connections only. A pooled connection
 * serves one thread at a time, and so does each of its statements; a statement is not re-entrant:
 * bind, run and read it before using it again. A batch left unrun by a caller that threw is
 * dropped before the next caller binds. A result set is always closed before the call returns, which on SQLite ends the read
 * (a statement left open would hold its snapshot of the database). A statement that fails is closed
 * and prepared afresh next time.
 *
 * <p>Errors are jdbi's: {@link UnableToCreateStatementException} when the statement cannot be
 * prepared (the store treats that as the database being unavailable),
 * {@link UnableToExecuteStatementException} when it fails, with the driver's exception as cause.
 * Null parameters are bound with their SQL type, as jdbi does for typed values: PostgreSQL cannot
 * infer the type of a null in an {@code INSERT … SELECT} list.
 */
public final class Prepared {
    /** Not weak: a statement refers to its connection, so a weak key would never be cleared. */
    private static final Map<Connection, Map<String, Prepared>> BY_CONNECTION = new ConcurrentHashMap<>();

    private final PreparedStatement statement;
    private final String sql;
    private final Map<String, Prepared> cache;
    private int position;
    private int rowsAdded;

    private Prepared(PreparedStatement statement, String sql, Map<String, Prepared> cache) {
        this.statement = statement;
        this.sql = sql;
        this.cache = cache;
    }

    /** The statement {@code sql} on {@code h}'s connection, prepared now or earlier, parameters from the first. */
    public static Prepared on(Handle h, String sql) {
        Connection connection;
        try {
            connection = h.getConnection().unwrap(Connection.class);
        } catch (SQLException e) {
            throw new UnableToCreateStatementException("cannot reach the connection: " + e.getMessage(), e);
        }
        Map<String, Prepared> cache = BY_CONNECTION.get(connection);
        if (cache == null) {
            BY_CONNECTION.keySet().removeIf(Prepared::isClosed);
            cache = new HashMap<>();
            BY_CONNECTION.put(connection, cache);
        }
        Prepared p = cache.get(sql);
        if (p == null || isClosed(p.statement)) {
            try {
                p = new Prepared(connection.prepareStatement(sql), sql, cache);
            } catch (SQLException e) {
                throw new UnableToCreateStatementException(firstLine(sql) + ": " + e.getMessage(), e);
            }
            cache.put(sql, p);
        }
        p.position = 0;
        if (p.rowsAdded > 0) {
            p.dropBatch();
        }
        return p;
    }

    private void dropBatch() {
        rowsAdded = 0;
        try {
            statement.clearBatch();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static boolean isClosed(AutoCloseable jdbc) {
        try {
            return jdbc instanceof Connection c ? c.isClosed() : ((PreparedStatement) jdbc).isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** Connections whose statements are kept; for tests. */
    static int connectionsKept() {
        return BY_CONNECTION.size();
    }

    public Prepared set(String value) {
        return bind(value, Types.VARCHAR);
    }

    public Prepared set(Long value) {
        return bind(value, Types.BIGINT);
    }

    public Prepared set(long value) {
        position++;
        try {
            statement.setLong(position, value);
        } catch (SQLException e) {
            throw failed(e);
        }
        return this;
    }

    public Prepared set(Integer value) {
        return bind(value, Types.INTEGER);
    }

    public Prepared set(int value) {
        position++;
        try {
            statement.setInt(position, value);
        } catch (SQLException e) {
            throw failed(e);
        }
        return this;
    }

    public Prepared set(boolean value) {
        position++;
        try {
            statement.setBoolean(position, value);
        } catch (SQLException e) {
            throw failed(e);
        }
        return this;
    }

    private Prepared bind(Object value, int sqlType) {
        position++;
        try {
            if (value == null) {
                statement.setNull(position, sqlType);
            } else if (value instanceof String s) {
                statement.setString(position, s);
            } else if (value instanceof Long l) {
                statement.setLong(position, l);
            } else {
                statement.setInt(position, (Integer) value);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return this;
    }

    /** Runs an INSERT, UPDATE or DELETE; returns the rows it changed. */
    public int update() {
        try {
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Ends one row of a batch: the parameters set since are kept, and the next row starts at the first. */
    public Prepared add() {
        try {
            statement.addBatch();
        } catch (SQLException e) {
            throw failed(e);
        }
        rowsAdded++;
        position = 0;
        return this;
    }

    /** Runs the rows {@linkplain #add added}; returns what each changed, as the driver reports it. */
    public int[] batch() {
        rowsAdded = 0;
        try {
            return statement.executeBatch();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Every row of a query, mapped. */
    public <T> List<T> list(RowMapper<T> mapper) {
        List<T> rows = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                rows.add(mapper.map(rs, null));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return rows;
    }

    /** The first row of a query, mapped; the rest are not read. */
    public <T> Optional<T> first(RowMapper<T> mapper) {
        try (ResultSet rs = statement.executeQuery()) {
            return rs.next() ? Optional.ofNullable(mapper.map(rs, null)) : Optional.empty();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** True when the query finds a row. */
    public boolean exists() {
        try (ResultSet rs = statement.executeQuery()) {
            return rs.next();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Forgets and closes the statement, whose state after a failure is the driver's business, and
     * says what failed, as jdbi would.
     */
    private UnableToExecuteStatementException failed(SQLException e) {
        cache.remove(sql, this);
        try {
            statement.close();
        } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
        }
        return new UnableToExecuteStatementException(firstLine(sql) + ": " + e.getMessage(), e, null);
    }

    private static String firstLine(String sql) {
        int nl = sql.indexOf('\n');
        return nl < 0 ? sql : sql.substring(0, nl) + " …";
    }
}
