package io.herald.retention;

import io.herald.attempt.Attempts;
import io.herald.store.BatchedPurge;
import io.herald.store.Ids;
import io.herald.store.Periodic;
import io.herald.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Handle;

/**
 * Deletes what is older than the retention ({@code HERALD_RETENTION_DAYS}), in small batches
 * (see {@link BatchedPurge}), every {@link #PURGE_INTERVAL}. One run, in this order:
 * <ol>
 * <li>payloads whose own retention ran out (Svix's {@code payloadRetentionPeriod} or
 *     {@code payloadRetentionHours}) are deleted as {@code DELETE …/content} deletes them, with the
 *     attempts' copies of the request body;</li>
 * <li>messages made before the retention, with their deliveries and attempts;</li>
 * <li>what attempts made before the retention kept of the request and response, where the attempt
 *     stays because its message does.</li>
 * </ol>
 * A message with a delivery still waiting (pending, scheduled by {@code deliverAt}, or held while
 * its endpoint's circuit is open) is never touched, payload or row, until the delivery ends.
 *
 * <p>Old rows are found by their ids, which sort by creation time (see {@link Ids#lastAt}), on the
 * primary keys and the indexes on {@code message_id} and {@code payload_expires_at}: no scan.
 *
 * <p>Not guaranteed: a resend or recover that adds a delivery to a message in the same moment the
 * purge deletes it on PostgreSQL may leave that delivery without its message; it then ends unsent.
 */
public final class Retention implements AutoCloseable {
    public static final Duration DEFAULT = Duration.ofDays(30);
    public static final Duration MIN = Duration.ofDays(1);
    public static final Duration MAX = Duration.ofDays(3650);
    /** How often the purge runs. */
    public static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);
    /**
     * Messages one transaction deletes, with their deliveries and attempts (a few rows each as a
     * rule), or rows one transaction clears.
     */
    public static final int BATCH = 200;

    // The statements of the purge, package-private for the test that EXPLAINs them on each database.
    // Deliveries are looked up by bound message ids, never joined to message: until V21_1 on
    // PostgreSQL, message.id was COLLATE "C" (V3) and delivery.message_id was not, so a join on them
    // could not use the index on delivery.message_id and read the whole table.
    static final String EXPIRED_PAYLOADS = """
            SELECT id, payload_expires_at FROM message
            WHERE payload_expires_at <= :now AND (payload_expires_at, id) > (:afterAt, :after)
            ORDER BY payload_expires_at, id LIMIT :limit""";
    static final String OLD_MESSAGES = "SELECT id FROM message WHERE id > :after AND id <= :last ORDER BY id LIMIT :limit";
    /** Which of these messages still have a delivery waiting (pending, scheduled, retrying or held). */
    static final String WAITING_AMONG =
            "SELECT DISTINCT message_id FROM delivery WHERE message_id IN (<ids>) AND status IN ('pending', 'held')";
    static final String OLD_ATTEMPTS = """
            SELECT id FROM attempt WHERE id > :after AND id <= :last
            AND (request_headers IS NOT NULL OR request_body IS NOT NULL OR request_body_is_payload
                 OR response_headers IS NOT NULL OR response <> '')
            ORDER BY id LIMIT :limit""";
    static final String DELETE_ATTEMPTS = "DELETE FROM attempt WHERE message_id IN (<ids>)";
    // A delivery that began to wait since WAITING_AMONG looked (a resend) stays, and so does its message.
    static final String DELETE_DELIVERIES = "DELETE FROM delivery WHERE message_id IN (<ids>) AND status NOT IN ('pending', 'held')";
    static final String DELETE_MESSAGES = """
            DELETE FROM message WHERE id IN (<ids>)
            AND id NOT IN (SELECT message_id FROM delivery WHERE message_id IN (<ids>))""";
    static final String CLEAR_BODIES = "UPDATE attempt SET " + Attempts.CLEARED_BODY + " WHERE message_id IN (<ids>)";

    /** Rows purged so far by this node, by kind: for metrics. */
    public static final class Purged {
        final LongAdder payloads = new LongAdder();
        final LongAdder attemptContents = new LongAdder();
        final LongAdder messages = new LongAdder();
        final LongAdder deliveries = new LongAdder();
        final LongAdder attempts = new LongAdder();

        /** Payloads deleted on their message's own retention. */
        public long payloads() {
            return payloads.sum();
        }

        /** Attempts whose kept request and response were cleared (the attempt stayed). */
        public long attemptContents() {
            return attemptContents.sum();
        }

        public long messages() {
            return messages.sum();
        }

        public long deliveries() {
            return deliveries.sum();
        }

        public long attempts() {
            return attempts.sum();
        }

        long total() {
            return payloads() + attemptContents() + messages() + deliveries() + attempts();
        }
    }

    private final Clock clock;
    private final Duration retention;
    private final BatchedPurge batches;
    private final Periodic schedule;
    private final Purged purged = new Purged();
    /** Attempts up to this id have been cleared already (this node, since it started): not scanned again. */
    private volatile String attemptsClearedTo = "";

    public Retention(Store store, Clock clock, Duration retention) {
        this(store, clock, retention, new BatchedPurge(store, BATCH, BatchedPurge.DEFAULT_PAUSE));
    }

    /** With its own batches: tests make them small. */
    public Retention(Store store, Clock clock, Duration retention, BatchedPurge batches) {
        if (retention.compareTo(MIN) < 0 || retention.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("retention must be from " + MIN + " to " + MAX);
        }
        this.clock = clock;
        this.retention = retention;
        this.batches = batches;
        this.schedule = new Periodic("retention-purge", this::purge, PURGE_INTERVAL);
    }

    /** Starts purging every {@link #PURGE_INTERVAL}. */
    public void start() {
        schedule.start();
    }

    public Purged purged() {
        return purged;
    }

    /**
     * One run at the clock's time (see the class comment); returns how many rows it deleted or
     * cleared. The schedule calls it; tests call it after moving the clock.
     */
    public int purge() {
        long now = clock.millis();
        long cut = now - retention.toMillis();
        long before = purged.total();
        Object[] expiredAfter = {Long.MIN_VALUE, ""};
        batches.run((h, limit) -> expirePayloads(h, now, expiredAfter, limit));
        String lastMessage = Ids.lastAt("msg", cut - 1);
        String[] after = {""};
        batches.run((h, limit) -> deleteMessages(h, lastMessage, after, limit));
        String lastAttempt = Ids.lastAt("atmpt", cut - 1);
        try {
            batches.run((h, limit) -> clearAttempts(h, lastAttempt, limit));
        } catch (RuntimeException e) {
            // The watermark may have moved inside a transaction that did not commit: start over next time.
            attemptsClearedTo = "";
            throw e;
        }
        return (int) (purged.total() - before);
    }

    /** {@code after}: where the previous batch of this run ended (expiry, id); what still waits is passed over. */
    private int expirePayloads(Handle h, long now, Object[] after, int limit) {
        record Row(String id, long at) {}
        List<Row> found = h.createQuery(EXPIRED_PAYLOADS)
                .bind("now", now).bind("afterAt", (Long) after[0]).bind("after", (String) after[1]).bind("limit", limit)
                .map((rs, ctx) -> new Row(rs.getString("id"), rs.getLong("payload_expires_at"))).list();
        if (found.isEmpty()) {
            return 0;
        }
        after[0] = found.getLast().at();
        after[1] = found.getLast().id();
        List<String> ids = notWaiting(h, found.stream().map(Row::id).toList());
        if (!ids.isEmpty()) {
            h.createUpdate("""
                            UPDATE message SET payload = '{}', expunged_at = :now, payload_expires_at = NULL
                            WHERE id IN (<ids>)""")
                    .bind("now", now).bindList("ids", ids).execute();
            h.createUpdate(CLEAR_BODIES).bindList("ids", ids).execute();
            purged.payloads.add(ids.size());
        }
        return found.size();
    }

    /** {@code after[0]}: the greatest message id a batch of this run looked at; the next batch goes on from there. */
    private int deleteMessages(Handle h, String last, String[] after, int limit) {
        List<String> found = h.createQuery(OLD_MESSAGES)
                .bind("after", after[0]).bind("last", last).bind("limit", limit).mapTo(String.class).list();
        if (found.isEmpty()) {
            return 0;
        }
        after[0] = found.getLast();
        List<String> ids = notWaiting(h, found);
        if (!ids.isEmpty()) {
            purged.attempts.add(h.createUpdate(DELETE_ATTEMPTS).bindList("ids", ids).execute());
            purged.deliveries.add(h.createUpdate(DELETE_DELIVERIES).bindList("ids", ids).execute());
            purged.messages.add(h.createUpdate(DELETE_MESSAGES).bindList("ids", ids).execute());
        }
        return found.size();
    }

    /** {@code messageIds} but those with a delivery still waiting. */
    private static List<String> notWaiting(Handle h, List<String> messageIds) {
        Set<String> waiting = new HashSet<>(h.createQuery(WAITING_AMONG).bindList("ids", messageIds).mapTo(String.class).list());
        return waiting.isEmpty() ? messageIds : messageIds.stream().filter(id -> !waiting.contains(id)).toList();
    }

    private int clearAttempts(Handle h, String last, int limit) {
        List<String> ids = h.createQuery(OLD_ATTEMPTS)
                .bind("after", attemptsClearedTo).bind("last", last).bind("limit", limit).mapTo(String.class).list();
        if (ids.isEmpty()) {
            return 0;
        }
        h.createUpdate("UPDATE attempt SET " + Attempts.CLEARED_CONTENT + " WHERE id IN (<ids>)").bindList("ids", ids).execute();
        attemptsClearedTo = ids.getLast();
        purged.attemptContents.add(ids.size());
        return ids.size();
    }

    /** Stops the schedule. */
    @Override
    public void close() {
        schedule.close();
    }
}
