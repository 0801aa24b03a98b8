package io.herald.delivery;

import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoints;
import io.herald.endpoint.Health;
import io.herald.operational.OperationalEvents;
import io.herald.attempt.Attempt;
import io.herald.Json;
import io.herald.store.Dialect;
import io.herald.store.Prepared;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Each endpoint's circuit breaker: its health follows the attempts recorded, and an endpoint that
 * keeps failing stops being attempted delivery by delivery.
 *
 * <pre>
 *            success                         N failures in a row
 *   healthy ---------&gt; healthy    healthy/failing ------------------&gt; open
 *      ^                                                               |  probe due: one delivery
 *      |  probe succeeds (held deliveries are released, in chunks)    v
 *      +--------------------------------------------------------- probing --- probe fails --&gt; open
 *                                                                              (next interval doubled)
 *   failing without a success for disableAfter, or 410 Gone: disabled (held deliveries fail; recover replays them)
 *   enabled again (or given a new URL): healthy, failures 0
 * </pre>
 *
 * <p>While the circuit is open, the endpoint's deliveries are <em>held</em> (status {@code held}):
 * out of the due index, so a failing endpoint's backlog costs claims nothing, and uncounted, so its
 * messages' retry schedules do not run down. Deliveries are held when a claim finds them (the claim
 * that takes them and sees the circuit open), when an attempt about to start finds the circuit open,
 * and a failed probe goes back held. Publish does not start deliveries to an open endpoint.
 * A probe is the held delivery due first; a failed probe is recorded as an attempt (the log shows
 * it), does not count against its delivery's schedule, and goes to the back of the held ones.
 *
 * <p>Serialization: every change of an endpoint's circuit and every hold locks the endpoint row
 * first ({@link Dialect#rowLockClause()}), and {@code holding} is only cleared under that lock
 * with the circuit closed and nothing held, so no delivery stays held behind a closed circuit.
 *
 * <p>Not guaranteed: that no attempt follows the opening. Attempts already under way or in a lane
 * on another node when the circuit opens still go out (at most the lanes' in-flight and queue
 * caps), and count normally; the health they record keeps the circuit open.
 */
final class Breaker {
    /** The first probe after the circuit opens goes out this long after the failure that opened it. */
    static final Duration FIRST_PROBE = Duration.ofSeconds(10);
    /** Each failed probe doubles the wait for the next, up to this. */
    static final Duration LONGEST_PROBE_INTERVAL = Duration.ofMinutes(10);
    /** Held deliveries released (or failed, for a disabled endpoint) per endpoint and transaction. */
    static final int RELEASE_CHUNK = 1_000;
    /** Endpoints probed, or released from, per tick at most. */
    static final int ENDPOINTS_PER_TICK = 100;
    /** A success this close after the last one recorded is not written again: the endpoint row is not rewritten per attempt. */
    static final Duration SUCCESS_RESOLUTION = Duration.ofSeconds(1);

    private final CircuitBreaker server;

    /** {@code server}: the settings of endpoints that set none of their own. */
    Breaker(CircuitBreaker server) {
        this.server = Objects.requireNonNull(server);
    }

    /** One recorded attempt as the breaker sees it. */
    record Result(boolean succeeded, boolean probe, Instant at, String error) {
        static Result of(OutcomeRecorder.Entry e) {
            Attempt a = e.attempt();
            String error = a.status() == Attempt.SUCCESS ? null
                    : a.responseStatusCode() != 0 ? "HTTP " + a.responseStatusCode()
                    : a.error() == null ? "no response" : a.error();
            return new Result(a.status() == Attempt.SUCCESS, e.claim().probe(), e.finishedAt(), error);
        }
    }

    /**
     * What {@link #next} decided: the health {@code after}, whether the circuit {@code opened} or
     * {@code closed}, and the reason to {@code disable} the endpoint, or null.
     */
    record Change(Health after, boolean opened, boolean closed, String disable) {}

    /** How long after a probe's failure the next may go out, when {@code failedProbes} have failed (counting it). */
    static Duration probeInterval(int failedProbes) {
        int doublings = Math.min(Math.max(failedProbes, 0), 20);
        Duration d = FIRST_PROBE.multipliedBy(1L << doublings);
        return d.compareTo(LONGEST_PROBE_INTERVAL) > 0 ? LONGEST_PROBE_INTERVAL : d;
    }

    /**
     * The pure decision: {@code before}, then {@code results} in the order they were recorded, under
     * {@code settings} (complete: the endpoint's over the server's), at {@code now}.
     */
    static Change next(Health before, boolean disabled, List<Result> results, CircuitBreaker settings, Instant now) {
        int failures = before.failures();
        Instant failingSince = before.failingSince();
        Instant lastSuccess = before.lastSuccessAt();
        Instant lastFailure = before.lastFailureAt();
        String lastError = before.lastError();
        Instant nextProbe = before.nextProbeAt();
        int probes = before.probes();
        boolean opened = false;
        boolean closed = false;
        for (Result r : results) {
            if (r.succeeded()) {
                if (nextProbe != null) {
                    closed = true;
                }
                failures = 0;
                failingSince = null;
                nextProbe = null;
                probes = 0;
                lastSuccess = later(lastSuccess, r.at());
                continue;
            }
            failures++;
            failingSince = failingSince == null ? r.at() : failingSince;
            lastFailure = later(lastFailure, r.at());
            lastError = r.error();
            if (nextProbe == null) {
                if (failures >= settings.failures()) {
                    nextProbe = r.at().plus(FIRST_PROBE);
                    probes = 0;
                    opened = true;
                    closed = false;
                }
            } else if (r.probe()) {
                probes++;
                nextProbe = r.at().plus(probeInterval(probes));
            }
        }
        String disable = null;
        if (!disabled && failingSince != null && failures > 0
                && !now.isBefore(failingSince.plus(settings.disableAfter()))) {
            disable = "failing since " + failingSince + " (" + failures + " failed attempts in a row, the last: "
                    + lastError + ")";
        }
        return new Change(new Health(failures, failingSince, lastSuccess, lastFailure, lastError, nextProbe, probes,
                before.holding(), before.disabledReason()), opened, closed, disable);
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }

    /** True when {@code after} says nothing {@code before} does not, but a success less than a second newer. */
    static boolean worthWriting(Health before, Health after) {
        Health sameSuccess = new Health(after.failures(), after.failingSince(), before.lastSuccessAt(), after.lastFailureAt(),
                after.lastError(), after.nextProbeAt(), after.probes(), after.holding(), after.disabledReason());
        if (!sameSuccess.equals(before)) {
            return true;
        }
        return before.lastSuccessAt() == null
                || (after.lastSuccessAt() != null
                    && !after.lastSuccessAt().isBefore(before.lastSuccessAt().plus(SUCCESS_RESOLUTION)));
    }

    /**
     * In the transaction that records {@code entries}: updates their endpoints' health, opens and
     * closes circuits, and disables endpoints that have failed for too long. Endpoint rows are
     * locked in id order. Returns which of the endpoints keep FIFO order (see {@link Fifo}) and
     * whose circuit these records opened.
     */
    Recorded record(Handle h, Dialect dialect, OperationalEvents events, List<OutcomeRecorder.Entry> entries,
                    Instant now) {
        Map<String, List<Result>> byEndpoint = new TreeMap<>();
        for (OutcomeRecorder.Entry e : entries) {
            byEndpoint.computeIfAbsent(e.claim().endpointId(), k -> new ArrayList<>()).add(Result.of(e));
        }
        // Most batches change nothing worth a write (successes within a second of the last one
        // recorded): read without locking, and lock (and read again) only the rows to be written.
        Map<String, Row> current = read(h, dialect, byEndpoint.keySet(), NO_LOCK);
        List<String> changing = new ArrayList<>();
        List<String> refreshing = new ArrayList<>();
        current.forEach((id, ep) -> {
            Change change = next(ep.health(), ep.disabled(), byEndpoint.get(id), settingsOf(ep), now);
            if (change.disable() != null || worthWriting(ep.health(), change.after())) {
                (onlyLastSuccess(ep.health(), change) ? refreshing : changing).add(id);
            }
        });
        if (!dialect.rowLockClause().isEmpty()) {
            if (!changing.isEmpty()) {
                current.putAll(read(h, dialect, changing, LOCK));
            }
            if (!refreshing.isEmpty()) {
                // A row another transaction holds is skipped, not waited for: it is writing this
                // endpoint's health already (another node's or recorder thread's batch), and a
                // success's time alone is not worth holding up a whole batch (and the publishes in
                // its transaction). As if that batch's records came after these.
                Map<String, Row> locked = read(h, dialect, refreshing, LOCK_OR_SKIP);
                current.putAll(locked);
                refreshing.retainAll(locked.keySet());
            }
        }
        changing.addAll(refreshing);
        changing.sort(null);
        PreparedBatch update = null;
        Map<String, Change> disabling = new LinkedHashMap<>();
        Set<String> opened = new TreeSet<>();
        for (String id : changing) {
            Row ep = current.get(id);
            Change change = next(ep.health(), ep.disabled(), byEndpoint.get(id), settingsOf(ep), now);
            if (change.opened()) {
                opened.add(id);
            }
            if (worthWriting(ep.health(), change.after())) {
                if (update == null) {
                    update = h.prepareBatch("""
                            UPDATE endpoint SET failures = :failures, failing_since = :failingSince,
                                   last_success_at = :lastSuccess, last_failure_at = :lastFailure, last_error = :lastError,
                                   circuit_until = :nextProbe, probes = :probes
                            WHERE id = :id""");
                }
                Health a = change.after();
                update.bind("failures", a.failures()).bind("failingSince", millis(a.failingSince()))
                        .bind("lastSuccess", millis(a.lastSuccessAt())).bind("lastFailure", millis(a.lastFailureAt()))
                        .bind("lastError", clip(a.lastError())).bind("nextProbe", millis(a.nextProbeAt()))
                        .bind("probes", a.probes()).bind("id", ep.id()).add();
            }
            if (change.disable() != null) {
                disabling.put(ep.id(), change);
            }
        }
        if (update != null) {
            update.execute();
        }
        disabling.forEach((id, change) ->
                Endpoints.disable(h, events, id, now.toEpochMilli(), change.after().failingSince(), change.disable()));
        Set<String> fifo = new TreeSet<>();
        current.values().stream().filter(Row::fifo).forEach(ep -> fifo.add(ep.id()));
        return new Recorded(fifo, opened);
    }

    /** What {@link #record} found: the FIFO endpoints among those recorded, and the endpoints whose circuit opened. */
    record Recorded(Set<String> fifo, Set<String> opened) {}

    private CircuitBreaker settingsOf(Row ep) {
        return ep.circuit() == null ? server : ep.circuit().over(server);
    }

    /**
     * What the breaker reads of an endpoint: whether it is disabled, its health, its own circuit
     * settings (null: the server's) and whether it keeps FIFO order. Not the whole endpoint: this
     * read runs in every batch of recorded attempts, on the writer, and mapping whole rows (JSON
     * columns, headers opened with the key) was most of its cost.
     */
    private record Row(String id, boolean disabled, Health health, CircuitBreaker circuit, boolean fifo) {}

    private static final org.jdbi.v3.core.mapper.RowMapper<Row> ROW = (rs, ctx) -> new Row(rs.getString("id"),
            rs.getBoolean("disabled"), Endpoints.health(rs), CircuitBreaker.stored(rs.getString("circuit")),
            DeliveryPolicy.FIFO.equals(rs.getString("ordering")));

    /** The statement texts of {@link #read}, per database and with or without its row lock: kept statements are found by their text. */
    private static final Map<Dialect, List<String>> READ = new java.util.EnumMap<>(Dialect.class);

    static {
        for (Dialect d : Dialect.values()) {
            String select = "SELECT id, disabled, circuit, ordering, failures, failing_since, last_success_at, last_failure_at,"
                    + " last_error, circuit_until, probes, holding, disabled_reason FROM endpoint WHERE "
                    + d.inJsonArray("id") + " ORDER BY id";
            READ.put(d, List.of(select, select + " " + d.rowLockClause(),
                    d.rowLockClause().isEmpty() ? select : select + " " + d.rowLockClause() + " SKIP LOCKED"));
        }
    }

    private static final int NO_LOCK = 0;
    private static final int LOCK = 1;
    /** Locked, leaving out the rows another transaction holds. */
    private static final int LOCK_OR_SKIP = 2;

    /**
     * True when the change to {@code before} is only a newer last-success time: no failure count,
     * circuit, probe or disabling moves.
     */
    private static boolean onlyLastSuccess(Health before, Change change) {
        Health after = change.after();
        return change.disable() == null && !change.opened() && !change.closed()
                && new Health(after.failures(), after.failingSince(), before.lastSuccessAt(), after.lastFailureAt(),
                        after.lastError(), after.nextProbeAt(), after.probes(), after.holding(), after.disabledReason())
                        .equals(before);
    }

    /** The rows of {@code ids} that still exist, in id order, locked as {@code lock} says (see {@link Dialect#rowLockClause}). */
    private static Map<String, Row> read(Handle h, Dialect dialect, java.util.Collection<String> ids, int lock) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Prepared.on(h, READ.get(dialect).get(lock)).set(Json.write(ids)).list(ROW)
                .forEach(ep -> rows.put(ep.id(), ep));
        return rows;
    }

    private static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }

    private static String clip(String s) {
        return s == null || s.length() <= 500 ? s : s.substring(0, 500);
    }

    /**
     * Holds those of {@code claims} (leased to this node, not probes) whose endpoint's circuit is
     * open: they go back to the database held and leave this node. Returns the claims held.
     */
    static List<Deliveries.Claim> hold(Handle h, Dialect dialect, List<Deliveries.Claim> claims, long now) {
        if (claims.isEmpty()) {
            return List.of();
        }
        List<String> endpointIds = claims.stream().map(Deliveries.Claim::endpointId).distinct().sorted().toList();
        Map<String, Boolean> open = new TreeMap<>();
        h.createQuery("""
                SELECT id, holding FROM endpoint
                WHERE id IN (<ids>) AND circuit_until IS NOT NULL AND disabled = :no
                ORDER BY id""" + " " + dialect.rowLockClause())
                .bindList("ids", endpointIds).bind("no", false)
                .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getBoolean("holding")))
                .forEach(e -> open.put(e.getKey(), e.getValue()));
        if (open.isEmpty()) {
            return List.of();
        }
        List<String> notYet = open.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        if (!notYet.isEmpty()) {
            h.createUpdate("UPDATE endpoint SET holding = :yes WHERE id IN (<ids>)")
                    .bind("yes", true).bindList("ids", notYet).execute();
        }
        List<Deliveries.Claim> held = new ArrayList<>();
        PreparedBatch batch = h.prepareBatch("""
                UPDATE delivery SET status = 'held', locked_by = NULL, locked_until = NULL, version = version + 1,
                       updated_at = :now
                WHERE id = :id AND version = :version AND status = 'pending'""");
        for (Deliveries.Claim c : claims) {
            if (open.containsKey(c.endpointId()) && !c.probe()) {
                batch.bind("now", now).bind("id", c.id()).bind("version", c.version()).add();
                held.add(c);
            }
        }
        if (!held.isEmpty()) {
            batch.execute();
        }
        return held;
    }

    /**
     * Leases one probe to this node for each endpoint whose next probe is due (at most
     * {@link #ENDPOINTS_PER_TICK}): its held delivery due first. The endpoint's next probe moves one
     * interval on at once, so no other node probes it meanwhile; a probe that fails moves it again
     * from its failure. An open endpoint that holds nothing has nothing to probe: its next probe
     * moves on, and a delivery that arrives is held by its claim and probed then.
     */
    static List<Deliveries.Claim> probes(Handle h, Dialect dialect, String node, long now, long leaseUntil) {
        record Due(String id, int probes, boolean fifo, String active) {}
        List<Due> due = h.createQuery("""
                SELECT id, probes, ordering, fifo_active FROM endpoint
                WHERE circuit_until IS NOT NULL AND circuit_until <= :now AND disabled = :no
                ORDER BY circuit_until LIMIT :limit""" + " " + dialect.lockClause())
                .bind("now", now).bind("no", false).bind("limit", ENDPOINTS_PER_TICK)
                .map((rs, ctx) -> new Due(rs.getString("id"), rs.getInt("probes"), DeliveryPolicy.FIFO.equals(rs.getString("ordering")),
                        rs.getString("fifo_active"))).list();
        List<Deliveries.Claim> probes = new ArrayList<>();
        for (Due d : due) {
            h.createUpdate("UPDATE endpoint SET circuit_until = :next WHERE id = :id")
                    .bind("next", now + probeInterval(d.probes()).toMillis()).bind("id", d.id()).execute();
            // A FIFO endpoint's probe is its turn: the active delivery, or else the first written.
            String pick = d.fifo()
                    ? "SELECT id FROM delivery WHERE endpoint_id = :ep AND status = 'held' ORDER BY CASE WHEN id = :active"
                      + " THEN 0 ELSE 1 END, " + dialect.writeOrder() + " LIMIT 1"
                    : "SELECT id FROM delivery WHERE endpoint_id = :ep AND status = 'held' ORDER BY next_attempt_at, id LIMIT 1";
            Optional<Deliveries.Claim> probe = h.createQuery(
                    "UPDATE delivery SET status = 'pending', locked_by = :node, locked_until = :until,"
                    + " version = version + 1, updated_at = :now WHERE id = (" + pick + ")"
                    + " RETURNING " + Deliveries.CLAIM_COLUMNS)
                    .bind("node", node).bind("until", leaseUntil).bind("now", now).bind("ep", d.id())
                    .bindMap(d.fifo() ? Map.of("active", d.active() == null ? "" : d.active()) : Map.of())
                    .map(Deliveries.CLAIM).findOne();
            probe.ifPresent(c -> probes.add(c.asProbe()));
            if (d.fifo() && probe.isPresent()) {
                h.createUpdate("UPDATE endpoint SET fifo_active = :active WHERE id = :id")
                        .bind("active", probe.get().id()).bind("id", d.id()).execute();
            }
        }
        return probes;
    }

    /**
     * Releases held deliveries of endpoints whose circuit has closed (due as they were, so they are
     * claimed in due order), or fails those of endpoints disabled meanwhile (recover replays them),
     * {@link #RELEASE_CHUNK} per endpoint per call; clears {@code holding} when none are left.
     * Returns how many it released or failed.
     */
    static int release(Handle h, Dialect dialect, long now) {
        record Holding(String id, boolean disabled, boolean fifo, String active) {}
        List<Holding> holding = h.createQuery("""
                SELECT id, disabled, ordering, fifo_active FROM endpoint
                WHERE holding = TRUE AND (circuit_until IS NULL OR disabled = :yes)
                ORDER BY id LIMIT :limit""" + " " + dialect.lockClause())
                .bind("yes", true).bind("limit", ENDPOINTS_PER_TICK)
                .map((rs, ctx) -> new Holding(rs.getString("id"), rs.getBoolean("disabled"),
                        DeliveryPolicy.FIFO.equals(rs.getString("ordering")), rs.getString("fifo_active"))).list();
        int moved = 0;
        for (Holding e : holding) {
            if (e.fifo() && !e.disabled()) {
                // A FIFO endpoint's other held deliveries wait their turn (see Fifo): only the active one goes back.
                moved += h.createUpdate("""
                        UPDATE delivery SET status = 'pending', version = version + 1, updated_at = :now
                        WHERE id = :active AND status = 'held'""")
                        .bind("now", now).bind("active", e.active() == null ? "" : e.active()).execute();
                h.createUpdate("UPDATE endpoint SET holding = :no WHERE id = :id").bind("no", false).bind("id", e.id()).execute();
                continue;
            }
            int n = h.createUpdate("""
                    UPDATE delivery SET status = :status, next_attempt_at = CASE WHEN :fail THEN NULL ELSE next_attempt_at END,
                           version = version + 1, updated_at = :now
                    WHERE id IN (SELECT id FROM delivery WHERE endpoint_id = :ep AND status = 'held'
                                 ORDER BY next_attempt_at, id LIMIT :chunk)""")
                    .bind("status", e.disabled() ? Deliveries.FAILED : Deliveries.PENDING).bind("fail", e.disabled())
                    .bind("now", now).bind("ep", e.id()).bind("chunk", RELEASE_CHUNK).execute();
            moved += n;
            if (n < RELEASE_CHUNK) {
                h.createUpdate("UPDATE endpoint SET holding = :no WHERE id = :id").bind("no", false).bind("id", e.id()).execute();
            }
        }
        return moved;
    }
}
