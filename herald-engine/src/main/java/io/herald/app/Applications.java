package io.herald.app;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Validate;
import io.herald.operational.OperationalEvents;
import io.herald.store.Ids;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.store.Pager;
import io.herald.store.Periodic;
import io.herald.store.Prepared;
import io.herald.store.Rows;
import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Applications: create, read, update, delete. */
public final class Applications implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Applications.class);
    /** How often each node finishes deleted applications whose removal did not finish. */
    public static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
    /** Transactions a delete tries to remove the rest in, before leaving it to the sweep. */
    private static final int REMOVE_RUNS = 3;
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
    private final Periodic sweep;

    public Applications(Store store, Ids ids, Clock clock) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.sweep = new Periodic("application-deletion", this::finishDeletions, SWEEP_INTERVAL);
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
     * background tasks, in two transactions.
     *
     * <p>The first deletes the application's row and writes its {@code application_deletion} row,
     * and holds no other lock: from its commit on, no publish, task batch or circuit change waits
     * for the application (a publish finds it gone and writes nothing, see {@link
     * io.herald.store.Dialect#shareLockClause}), and the publishes that held its row before had
     * committed. The second ({@link #removeRest}) deletes the rest and that row. One transaction
     * that deleted the application's row and then locked its deliveries could deadlock on
     * PostgreSQL with a group-commit batch that had recorded an attempt of one of those deliveries
     * and then published to the application: under steady publishing every retry met such a batch.
     *
     * <p>When the second fails (every run aborted, the database gone), the application stays
     * deleted and {@link #finishDeletions} removes the rest later, as after a crash between the
     * two; until then the application's deliveries may still be attempted.
     */
    public void delete(String idOrUid) {
        String appId = store.inTransaction(h -> {
            Application app = get(h, idOrUid);
            h.createUpdate("DELETE FROM application WHERE id = :app").bind("app", app.id()).execute();
            h.createUpdate("INSERT INTO application_deletion (app_id, deleted_at) VALUES (:app, :now)")
                    .bind("app", app.id()).bind("now", clock.millis()).execute();
            return app.id();
        });
        RuntimeException failed = null;
        for (int run = 0; run < REMOVE_RUNS; run++) {
            try {
                removeRest(appId);
                return;
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
                if (run + 1 == REMOVE_RUNS || !pause(run)) {
                    break;
                }
            }
        }
        StoreFaults.logAt(log, Level.WARN, failed).log("application {} is deleted; removing its endpoints, messages and "
                + "deliveries failed, the next sweep of deleted applications (every {}) removes them", appId, SWEEP_INTERVAL);
    }

    /**
     * Removes the rest of each deleted application whose removal did not finish (see {@link
     * #delete}); returns how many were finished. Every node runs it every {@link #SWEEP_INTERVAL}
     * once {@link #start started}; two nodes finishing one application take turns on its rows.
     */
    public int finishDeletions() {
        List<String> left = store.read(h -> h.createQuery("SELECT app_id FROM application_deletion ORDER BY app_id LIMIT 100")
                .mapTo(String.class).list());
        int finished = 0;
        for (String appId : left) {
            removeRest(appId);
            finished++;
        }
        return finished;
    }

    /** Starts {@link #finishDeletions} every {@link #SWEEP_INTERVAL}. */
    public void start() {
        sweep.start();
    }

    @Override
    public void close() {
        sweep.close();
    }

    /**
     * Deletes what belongs to the deleted application {@code appId}, and its {@code
     * application_deletion} row, in one transaction. Its deliveries are locked in id order first,
     * the order in which recording attempts updates them (Deliveries.finish): a delete in the
     * table's own order could hold one row a recorder batch waits for while waiting for another
     * that batch holds. Its tasks go before its endpoints: a task batch locks its task, then its
     * endpoint.
     */
    private void removeRest(String appId) {
        store.inTransaction(h -> {
            h.createQuery("SELECT id FROM delivery WHERE app_id = :app ORDER BY id " + store.dialect().rowLockClause())
                    .bind("app", appId).mapTo(String.class).list();
            for (String table : new String[] {"background_task", "attempt", "delivery", "message", "endpoint", "api_token"}) {
                h.createUpdate("DELETE FROM " + table + " WHERE app_id = :app").bind("app", appId).execute();
            }
            h.createUpdate("DELETE FROM application_deletion WHERE app_id = :app").bind("app", appId).execute();
            return null;
        });
    }

    /** Waits a little before the {@code run + 1}th removal; false when interrupted. */
    private static boolean pause(int run) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(50, 200) * (run + 1));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
