package io.herald.idempotency;

import io.herald.Hashes;
import io.herald.HeraldException;
import io.herald.store.BatchedPurge;
import io.herald.store.Periodic;
import io.herald.store.Ids;
import io.herald.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency keys with Svix's semantics: the first response to a key is kept for
 * {@link #KEEP}, per key and per credential, and replayed to every later request with that key.
 * Only successful (2xx) responses are kept, as Svix's server does; any other outcome, an exception
 * included, gives the key up so that a retry runs. A request that finds its key held by one still
 * running waits for it (at most {@link #WAIT}, polling the database, so the first may run on another
 * node) and never runs itself meanwhile. The same key with another route or another body is
 * refused.
 *
 * <p>The key is claimed by an INSERT that the table's primary key decides, before the work runs.
 * The claim carries a lock until {@link #LOCK}: a node that dies holding a key holds it no longer
 * than that, and the next request with the key then runs.
 *
 * <p>Not guaranteed: exactly-once across a crash. The work commits in its own transaction and its
 * response is stored in the next one; a node that dies (or loses the database) between the two
 * leaves the key claimed but without a response, and a retry after the lock runs the work again.
 * So does a retry of a request whose run takes longer than {@link #LOCK}; the late run's response
 * then goes to its own caller only.
 */
public final class IdempotencyKeys implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);
    /** How long a kept response is replayed (Svix: 12 hours). */
    public static final Duration KEEP = Duration.ofHours(12);
    /** How long a claim holds its key without a response: longer than any API request may run. */
    public static final Duration LOCK = Duration.ofSeconds(60);
    /** How long a request waits for another one holding its key before it is refused. */
    public static final Duration WAIT = Duration.ofSeconds(30);
    /** How often expired keys are deleted. */
    public static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);
    public static final int MAX_KEY_LENGTH = 255;
    /** The request header the key comes in, and the field that problems about it name. */
    public static final String FIELD = "idempotency-key";
    /** Between two looks at a key held by a request still running, perhaps on another node. */
    static final Duration POLL = Duration.ofMillis(20);
    /** Rows one purge transaction deletes, so that it never holds SQLite's writer for long. */
    static final int PURGE_BATCH = BatchedPurge.DEFAULT_BATCH;

    private final Store store;
    private final Clock clock;
    private final Ids ids;
    private final Periodic purgeSchedule;
    private final BatchedPurge purge;
    private final AtomicInteger waiting = new AtomicInteger();

    /** A request that carries a key: {@code route} is method, path and query; {@code body} may be null. */
    public record Request(String credentialHash, String key, String route, String body) {}

    /**
     * A response as it is kept: the API answers JSON, so the body is text (null for none).
     * {@code resourceId} is the id of what it shows, if any (see {@link #replaceKeptBodies}).
     */
    public record Response(int status, String contentType, String body, String resourceId) {
        public Response(int status, String contentType, String body) {
            this(status, contentType, body, null);
        }

        /** Svix keeps successful responses only; anything else lets a retry run. */
        public boolean kept() {
            return status >= 200 && status < 300;
        }
    }

    /** What a request gets, and whether it is the kept response of an earlier one. */
    public record Result(Response response, boolean replayed) {}

    public IdempotencyKeys(Store store, Clock clock) {
        this(store, clock, new Ids(clock, new java.security.SecureRandom()));
    }

    public IdempotencyKeys(Store store, Clock clock, Ids ids) {
        this.store = store;
        this.clock = clock;
        this.ids = ids;
        this.purgeSchedule = new Periodic("idempotency-purge", this::purgeExpired, PURGE_INTERVAL);
        this.purge = new BatchedPurge(store, PURGE_BATCH, BatchedPurge.DEFAULT_PAUSE);
    }

    /** Starts deleting expired keys every {@link #PURGE_INTERVAL}. */
    public void start() {
        purgeSchedule.start();
    }

    /**
     * Runs {@code work} for {@code request} unless its key already has a response, which is then
     * replayed. An exception from {@code work} gives the key up (except {@link
     * HeraldException.CommitUnknown}: see {@link #run(Request, Function)}) and is thrown on.
     *
     * @throws HeraldException.InvalidInput the key is empty or too long, or was used with another
     *                                      route or body
     * @throws HeraldException.Conflict     the request holding the key is still running after {@link #WAIT}
     */
    public Result run(Request request, Supplier<Response> work) {
        return run(request, reserved -> work.get());
    }

    /**
     * As {@link #run(Request, Supplier)}, handing {@code work} an id reserved for what it makes (a
     * {@code msg_…} id; a publish gives its message that id). The id is kept with the key: when a run
     * ends in {@link HeraldException.CommitUnknown} (its work may have been written), the key is
     * not given up but left for the next request with it to take over at once, with the same id, so
     * the retry finds what the first run wrote instead of writing it again. A key taken over after
     * its response expired gets a new id.
     */
    public Result run(Request request, Function<String, Response> work) {
        String key = request.key();
        if (key.isBlank()) {
            throw new HeraldException.InvalidInput(FIELD, "must not be empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new HeraldException.InvalidInput(FIELD, "must be at most " + MAX_KEY_LENGTH + " characters, has " + key.length());
        }
        KeyId id = new KeyId(request.credentialHash(), key);
        String claim = UUID.randomUUID().toString();
        Claimed claimed = claim(id, request.route(), Hashes.sha256Hex(request.body()), claim);
        if (claimed.kept() != null) {
            return new Result(claimed.kept(), true);
        }
        Response response;
        try {
            response = work.apply(claimed.reserved());
        } catch (RuntimeException | Error e) {
            try {
                if (e instanceof HeraldException.CommitUnknown) {
                    store.inTransaction(h -> {
                        KeyRows.unlock(h, id, claim);
                        return null;
                    });
                } else {
                    release(id, claim);
                }
            } catch (RuntimeException releaseFailed) {
                // Unlocking failed too (the database is away): the key's lock passes by itself.
                e.addSuppressed(releaseFailed);
            }
            throw e;
        }
        try {
            if (!response.kept()) {
                release(id, claim);
            } else if (!store.inTransaction(h -> KeyRows.complete(h, id, claim, response, clock.millis() + KEEP.toMillis()))) {
                log.warn("request {} with idempotency key '{}' ran longer than {} s; another request took the key over and ran too",
                        request.route(), key, LOCK.toSeconds());
            }
        } catch (RuntimeException e) {
            // The work is done and committed: its caller gets its response. The key stays claimed
            // until its lock passes; a retry after that runs the work again (see the class doc).
            log.warn("request {} with idempotency key '{}' succeeded, but its response could not be kept; "
                    + "a retry after {} s runs it again", request.route(), key, LOCK.toSeconds(), e);
        }
        return new Result(response, false);
    }

    /**
     * Claims the key for {@code claim} (returns null) or finds its kept response (returns it);
     * waits while another request holds the key.
     */
    /** A claim's outcome: the kept response to replay, or (kept null) the key is this run's, with its reserved id. */
    private record Claimed(Response kept, String reserved) {}

    private Claimed claim(KeyId id, String route, String bodyHash, String claim) {
        long waitUntil = clock.millis() + WAIT.toMillis();
        boolean insert = true;
        boolean counted = false;
        try {
            while (true) {
                if (insert) {
                    long now = clock.millis();
                    String reserved = ids.next("msg");
                    if (store.inTransaction(h -> KeyRows.insert(h, id, route, bodyHash, claim, now + LOCK.toMillis(),
                            now + KEEP.toMillis(), reserved))) {
                        return new Claimed(null, reserved);
                    }
                }
                Optional<KeyRows.Row> found = store.read(h -> KeyRows.find(h, id));
                if (found.isEmpty()) {
                    insert = true; // given up or purged since the INSERT: claim it again
                    continue;
                }
                KeyRows.Row row = found.get();
                long now = clock.millis();
                if (row.expiresAt() <= now) {
                    // A new request under an old key: it makes something new.
                    String reserved = ids.next("msg");
                    if (takeOver(id, row, route, bodyHash, claim, reserved)) {
                        return new Claimed(null, reserved);
                    }
                    insert = true;
                    continue;
                }
                if (!row.route().equals(route)) {
                    throw new HeraldException.InvalidInput(FIELD, "was used for " + row.route() + " within the last "
                            + KEEP.toHours() + " hours; this request is " + route + ". Use a new key for a new request");
                }
                if (!row.bodyHash().equals(bodyHash)) {
                    throw new HeraldException.InvalidInput(FIELD, "was used with a different request body within the last "
                            + KEEP.toHours() + " hours. Use a new key for a new request");
                }
                if (row.response() != null) {
                    return new Claimed(row.response(), null);
                }
                if (row.lockedUntil() <= now) {
                    // The same request again, whose earlier run ended unanswered: the same reserved id.
                    String reserved = row.resourceId() != null ? row.resourceId() : ids.next("msg");
                    if (takeOver(id, row, route, bodyHash, claim, reserved)) {
                        log.warn("request {} with idempotency key '{}': the request holding the key did not finish by {} "
                                + "(its node stopped?); this one runs it again", route, id.key(), Instant.ofEpochMilli(row.lockedUntil()));
                        return new Claimed(null, reserved);
                    }
                    insert = true;
                    continue;
                }
                if (now >= waitUntil) {
                    throw new HeraldException.Conflict(FIELD, "a request with this key is still running after "
                            + WAIT.toSeconds() + " s; retry later to get its response");
                }
                if (!counted) {
                    waiting.incrementAndGet();
                    counted = true;
                }
                pause();
                insert = false;
            }
        } finally {
            if (counted) {
                waiting.decrementAndGet();
            }
        }
    }

    private boolean takeOver(KeyId id, KeyRows.Row seen, String route, String bodyHash, String claim, String reserved) {
        long now = clock.millis();
        return store.inTransaction(h -> KeyRows.takeOver(h, id, seen.claim(), route, bodyHash, claim,
                now + LOCK.toMillis(), now + KEEP.toMillis(), reserved));
    }

    private void release(KeyId id, String claim) {
        store.inTransaction(h -> {
            KeyRows.release(h, id, claim);
            return null;
        });
    }

    private static void pause() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HeraldException.Conflict(FIELD, "interrupted while waiting for the request holding this key");
        }
    }

    /**
     * Replaces the kept body of every response that shows {@code resourceId} with {@code body}:
     * when a message's content is deleted, a replay must not bring the copy in its publish's
     * response back.
     */
    public int replaceKeptBodies(String resourceId, String body) {
        return store.inTransaction(h -> KeyRows.replaceBodies(h, resourceId, body));
    }

    /** Requests now waiting for another one that holds their key. */
    int waiting() {
        return waiting.get();
    }

    /**
     * Deletes every key expired at the clock's time, {@link #PURGE_BATCH} rows per transaction;
     * returns how many. The background schedule calls it; tests call it after moving the clock.
     */
    public int purgeExpired() {
        long now = clock.millis();
        return purge.run((h, limit) -> KeyRows.purge(h, now, limit));
    }

    /** Stops the purge schedule. */
    @Override
    public void close() {
        purgeSchedule.close();
    }
}
