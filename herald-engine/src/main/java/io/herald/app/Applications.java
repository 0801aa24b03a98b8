package io.herald.app;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import io.herald.operational.OperationalEvents;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Store;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Applications: create, read, update, delete. */
public final class Applications {
    private static final RowMapper<Application> ROW = (rs, ctx) -> new Application(
            rs.getString("id"), rs.getString("uid"), rs.getString("name"),
            Rows.intOrNull(rs, "rate_limit"),
            readMap(rs.getString("metadata")),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));

    /** Reads a row of {@code application}, for queries of other packages that select {@code application.*}. */
    public static RowMapper<Application> rows() {
        return ROW;
    }

    private final Store store;
    private final Ids ids;
    private final Clock clock;

    public Applications(Store store, Ids ids, Clock clock) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> readMap(String json) {
        // Most applications have no metadata: spare the parser on every lookup.
        return json.equals("{}") ? Map.of() : Map.copyOf(Json.read(json, Map.class));
    }

    public static ApplicationIn validate(ApplicationIn in) {
        Validate.required("name", in.name());
        Validate.length("name", in.name(), 1, 256);
        Validate.uid("uid", in.uid());
        Validate.range("throttleRate", in.rateLimit(), 1, 65_535);
        Validate.metadata("metadata", in.metadata());
        return in;
    }

    /** The result of a create: the application, and whether it was made now. */
    public record Created(Application application, boolean created) {}

    /**
     * Creates an application. With {@code getIfExists}, an existing application with the same uid
     * is returned unchanged instead of a conflict.
     */
    public Created create(ApplicationIn in, boolean getIfExists) {
        validate(in);
        return store.inTransaction(h -> {
            Created made = insertOrFind(h, ids, clock.millis(), in);
            if (!made.created() && !getIfExists) {
                throw new HeraldException.Conflict("uid", "an application with uid '" + in.uid() + "' already exists");
            }
            return made;
        });
    }

    /**
     * Writes a new, validated application, or finds the one that has its uid already, perhaps
     * committed by a concurrent request after the caller looked: the unique index decides, without
     * failing the transaction (PostgreSQL's INSERT waits for that request's commit, then does
     * nothing, and the next statement sees its row). Usable inside another transaction.
     */
    public static Created insertOrFind(Handle h, Ids ids, long now, ApplicationIn in) {
        String id = ids.next("app");
        int inserted = h.createUpdate("""
                INSERT INTO application (id, uid, name, rate_limit, metadata, created_at, updated_at)
                VALUES (:id, :uid, :name, :rateLimit, :metadata, :now, :now)
                ON CONFLICT (uid) DO NOTHING""")
                .bind("id", id).bind("uid", in.uid()).bind("name", in.name())
                .bind("rateLimit", in.rateLimit())
                .bind("metadata", Json.write(in.metadata() == null ? Map.of() : in.metadata()))
                .bind("now", now)
                .execute();
        return inserted == 1 ? new Created(get(h, id), true) : new Created(findByUid(h, in.uid()).orElseThrow(), false);
    }

    /**
     * {@code in} as Svix creates an application "alongside" a request addressed to {@code pathIdOrUid}
     * that does not exist yet: with that path value as its uid. A different uid in {@code in} is refused.
     */
    public static ApplicationIn alongside(String pathIdOrUid, ApplicationIn in) {
        if (in.uid() != null && !in.uid().equals(pathIdOrUid)) {
            throw new HeraldException.InvalidInput("uid", "must be the app_id of the path ('" + pathIdOrUid + "'), or left out");
        }
        return validate(new ApplicationIn(in.name(), pathIdOrUid, in.rateLimit(), in.metadata()));
    }

    /**
     * {@link #alongside} for Svix's {@code application} member of a request body (a message,
     * app-portal-access): what is wrong is named under {@code application.}.
     */
    public static ApplicationIn alongsideMember(String pathIdOrUid, ApplicationIn in) {
        try {
            return alongside(pathIdOrUid, in);
        } catch (HeraldException.InvalidInput e) {
            throw e.under("application");
        }
    }

    /** The application addressed by id or uid, if there is one. */
    public Optional<Application> find(String idOrUid) {
        return store.read(h -> find(h, idOrUid));
    }

    /**
     * By id, else by uid: an id beats a uid that happens to be spelt like it. The reserved
     * application of operational webhooks is never found.
     */
    private static final String FIND = """
            SELECT * FROM application WHERE (id = ? OR uid = ?) AND id <> ?
            ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1""";

    /** {@link #get(Handle, String)} without the exception. Runs on every publish and API call: a kept statement. */
    public static Optional<Application> find(Handle h, String idOrUid) {
        return Prepared.on(h, FIND).set(idOrUid).set(idOrUid).set(OperationalEvents.APP_ID).set(idOrUid).first(ROW);
    }

    /**
     * Svix's PUT: replaces the application {@code idOrUid}, or creates it (with that uid) when there is
     * none. {@link Created#created()} says which. A body without a uid keeps the uid the path named,
     * so that the same PUT sent twice does not clear it (and make the third one create another).
     */
    public Created upsert(String idOrUid, ApplicationIn in) {
        validate(in);
        return store.inTransaction(h -> {
            Optional<Application> current = find(h, idOrUid);
            if (current.isPresent()) {
                return new Created(update(h, current.get(), keepingUid(idOrUid, current.get(), in)), false);
            }
            Created made = insertOrFind(h, ids, clock.millis(), alongside(idOrUid, in));
            // Created by a concurrent PUT since the look above: this one replaces it, as if it came second.
            return made.created() ? made
                    : new Created(update(h, made.application(), keepingUid(idOrUid, made.application(), in)), false);
        });
    }

    private static ApplicationIn keepingUid(String path, Application current, ApplicationIn in) {
        return in.uid() == null && path.equals(current.uid())
                ? new ApplicationIn(in.name(), current.uid(), in.rateLimit(), in.metadata()) : in;
    }

    /** Every application but the reserved one of operational webhooks. */
    public Page<Application> list(PageRequest page) {
        return store.read(h -> Pager.page(h, "SELECT * FROM application WHERE id <> :reserved", page,
                q -> q.bind("reserved", OperationalEvents.APP_ID), ROW, Application::id));
    }

    /**
     * As {@link #list}, only those whose name or uid contains {@code q}, ignoring case.
     * {@code %}, {@code _}, {@code !} and a backslash in {@code q} match themselves. A blank {@code q} lists every application.
     */
    public Page<Application> search(String q, PageRequest page) {
        if (q == null || q.isBlank()) {
            return list(page);
        }
        String pattern = "%" + q.strip().toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        // '!' and not a backslash escapes: Jdbi's statement parser reads a backslash in a literal as an escape.
        return store.read(h -> Pager.page(h, """
                        SELECT * FROM application WHERE id <> :reserved
                        AND (LOWER(name) LIKE :q ESCAPE '!' OR LOWER(uid) LIKE :q ESCAPE '!')""", page,
                query -> query.bind("reserved", OperationalEvents.APP_ID).bind("q", pattern), ROW, Application::id));
    }

    public Application get(String idOrUid) {
        return store.read(h -> get(h, idOrUid));
    }

    /** Looks up by id, then by uid; throws NotFound. Usable inside another transaction. */
    public static Application get(Handle h, String idOrUid) {
        return find(h, idOrUid).orElseThrow(() -> new HeraldException.NotFound("application", idOrUid));
    }

    private static Optional<Application> findByUid(Handle h, String uid) {
        return h.createQuery("SELECT * FROM application WHERE uid = :uid").bind("uid", uid).map(ROW).findOne();
    }

    /** Replaces every settable field (PUT semantics: absent means cleared). */
    public Application update(String idOrUid, ApplicationIn in) {
        validate(in);
        return store.inTransaction(h -> update(h, get(h, idOrUid), in));
    }

    private Application update(Handle h, Application current, ApplicationIn in) {
        if (in.uid() != null && !in.uid().equals(current.uid())) {
            findByUid(h, in.uid()).ifPresent(other -> {
                throw new HeraldException.Conflict("uid", "an application with uid '" + in.uid() + "' already exists");
            });
        }
        h.createUpdate("""
                UPDATE application SET uid = :uid, name = :name, rate_limit = :rateLimit, metadata = :metadata,
                       updated_at = :now WHERE id = :id""")
                .bind("id", current.id()).bind("uid", in.uid()).bind("name", in.name())
                .bind("rateLimit", in.rateLimit())
                .bind("metadata", Json.write(in.metadata() == null ? Map.of() : in.metadata()))
                .bind("now", clock.millis())
                .execute();
        return get(h, current.id());
    }

    /**
     * Deletes the application with its endpoints, messages, queued deliveries, attempts,
     * application tokens (a node that remembers one still finds no application behind it) and
     * background tasks (before the endpoints: a task batch locks the application, its task, then
     * its endpoint, so this order cannot deadlock with one on PostgreSQL). The
     * application row goes first: a publish writing at the same time locks it (see
     * {@link io.herald.store.Dialect#shareLockClause}), so the publish either commits before this
     * delete looks for messages, or finds the application gone.
     */
    public void delete(String idOrUid) {
        store.inTransaction(h -> {
            Application app = get(h, idOrUid);
            h.createUpdate("DELETE FROM application WHERE id = :app").bind("app", app.id()).execute();
            // Its deliveries are locked in id order first, the order in which recording attempts
            // updates them (Deliveries.finish): a delete in the table's own order could hold one
            // row a recorder batch waits for while waiting for another that batch holds.
            h.createQuery("SELECT id FROM delivery WHERE app_id = :app ORDER BY id " + store.dialect().rowLockClause())
                    .bind("app", app.id()).mapTo(String.class).list();
            for (String table : new String[] {"background_task", "attempt", "delivery", "message", "endpoint", "api_token"}) {
                h.createUpdate("DELETE FROM " + table + " WHERE app_id = :app").bind("app", app.id()).execute();
            }
            return null;
        });
    }
}
