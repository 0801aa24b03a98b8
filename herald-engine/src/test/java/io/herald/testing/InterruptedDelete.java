package io.herald.testing;

import org.jdbi.v3.core.Jdbi;

/**
 * An application delete stopped between its two transactions (see {@code Applications.delete}):
 * what its first one committed, written straight into the database, as a node's crash leaves it.
 */
public final class InterruptedDelete {
    private InterruptedDelete() {}

    /** The application's row gone and its deletion recorded at {@code atMillis}; the rest of it left. */
    public static void ofApplication(Jdbi db, String appId, long atMillis) {
        db.useTransaction(h -> {
            h.execute("DELETE FROM application WHERE id = ?", appId);
            h.execute("INSERT INTO application_deletion (app_id, deleted_at) VALUES (?, ?)", appId, atMillis);
        });
    }
}
