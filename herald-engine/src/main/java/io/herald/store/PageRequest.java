package io.herald.store;

import io.herald.HeraldException;
import java.util.regex.Pattern;

/**
 * Where a page starts and how long it is. An iterator is the id of the item the page continues
 * from; a leading {@code -} means "the page before that item". Ids sort by creation time, so
 * paging by id is paging by time.
 */
public record PageRequest(int limit, String iterator, boolean newestFirst) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 250;
    /**
     * What iterators look like: an id ({@code msg_…}) or an event type name, optionally after
     * {@code -}. Anything else was not issued here.
     */
    private static final Pattern ITERATOR = Pattern.compile("-?[A-Za-z0-9._:-]+");

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new HeraldException.InvalidInput("limit", "must be between 1 and " + MAX_LIMIT);
        }
        if (iterator != null && (iterator.length() > 257 || !ITERATOR.matcher(iterator).matches())) {
            throw new HeraldException.InvalidInput("iterator", "is not an iterator this server issued");
        }
    }

    boolean backwards() {
        return iterator != null && iterator.startsWith("-");
    }

    String cursor() {
        return iterator == null ? null : (backwards() ? iterator.substring(1) : iterator);
    }
}
