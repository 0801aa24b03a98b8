package io.herald.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/** Keyset pagination over an {@code id} column, shared by every list in the API. */
public final class Pager {
    private Pager() {}

    /**
     * Runs {@code select} (which must end in a WHERE clause, e.g. {@code ... WHERE app_id = :app})
     * with the page's keyset condition, order and limit added. {@code bind} binds the caller's own
     * parameters.
     */
    public static <T> Page<T> page(Handle h, String select, PageRequest req, java.util.function.Consumer<Query> bind,
                                   RowMapper<T> mapper, Function<T, String> idOf) {
        return page(h, select, "id", req, bind, mapper, idOf);
    }

    /** As above, paging over {@code key} instead of {@code id}. */
    public static <T> Page<T> page(Handle h, String select, String key, PageRequest req,
                                   java.util.function.Consumer<Query> bind, RowMapper<T> mapper, Function<T, String> idOf) {
        boolean back = req.backwards();
        // Moving "forward" in a newest-first list means decreasing ids.
        boolean descending = req.newestFirst() != back;
        StringBuilder sql = new StringBuilder(select);
        String cursor = req.cursor();
        if (cursor != null) {
            sql.append(descending ? " AND " + key + " < :pageCursor" : " AND " + key + " > :pageCursor");
        }
        sql.append(descending ? " ORDER BY " + key + " DESC" : " ORDER BY " + key + " ASC").append(" LIMIT :pageLimit");
        Query q = h.createQuery(sql.toString());
        bind.accept(q);
        if (cursor != null) {
            q.bind("pageCursor", cursor);
        }
        q.bind("pageLimit", req.limit() + 1);
        List<T> rows = new ArrayList<>(q.map(mapper).list());
        boolean more = rows.size() > req.limit();
        if (more) {
            rows.remove(rows.size() - 1);
        }
        if (back) {
            Collections.reverse(rows);
        }
        String first = rows.isEmpty() ? null : idOf.apply(rows.get(0));
        String last = rows.isEmpty() ? null : idOf.apply(rows.get(rows.size() - 1));
        if (back) {
            // Going backwards, "more" means more before this page; forwards there is the cursor's item.
            return new Page<>(List.copyOf(rows), last != null ? last : cursor, first != null ? "-" + first : null, false);
        }
        return new Page<>(List.copyOf(rows), last, first != null ? "-" + first : (cursor != null ? "-" + cursor : null), !more);
    }
}
