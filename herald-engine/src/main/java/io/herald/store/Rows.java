package io.herald.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Column reads that behave the same on SQLite and PostgreSQL. */
public final class Rows {
    private Rows() {}

    public static Integer intOrNull(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    public static Instant instantOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }
}
