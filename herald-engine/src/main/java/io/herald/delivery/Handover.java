package io.herald.delivery;

import io.herald.endpoint.Endpoints;
import io.herald.message.Message;
import io.herald.store.Ids;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write transaction's hand-over of new deliveries to this node: room taken before the
 * transaction, the rows written inside it (born leased to this node as far as the room goes, so
 * they start without waiting for a claim), and after the commit, started. Use it in a
 * try-with-resources block: {@link #close} gives back the room of whatever was not started, on
 * every path.
 *
 * <pre>{@code
 * try (Handover handover = dispatcher.handover(targets.size())) {
 *     int queued = store.inTransaction(h -> handover.queue(h, ...));
 *     handover.start(message, endpoints);   // never throws
 * }
 * }</pre>
 *
 * <p>Not guaranteed: that the deliveries start here. When the room runs out, the node is stopping,
 * or starting fails, the rows wait in the database for any node's claim.
 */
public final class Handover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Handover.class);

    private final Dispatcher dispatcher;
    private final Admission.Permits permits;
    private List<Deliveries.Claim> written = List.of();

    Handover(Dispatcher dispatcher, Admission.Permits permits) {
        this.dispatcher = dispatcher;
        this.permits = permits;
    }

    /**
     * Writes one delivery per target that still exists and is enabled, due at {@code dueAt}; returns
     * how many were written. Called once per transaction: when the transaction runs again (a shared
     * commit failed and is retried alone), the second call's rows replace the first's.
     */
    public int queue(Handle h, Ids ids, String appId, String messageId, List<Deliveries.Target> targets,
                     int trigger, long now, long dueAt) {
        written = Deliveries.insert(h, ids, appId, messageId, targets, trigger, now, dueAt, permits.count(),
                dispatcher.node(), now + dispatcher.lease().toMillis());
        return written.size();
    }

    /** For tests: takes {@code claims}, leased to this node by some other statement, as if written here. */
    Handover adopt(List<Deliveries.Claim> claims) {
        written = claims;
        return this;
    }

    /** After the commit: starts the deliveries written leased, reading what each needs when it runs. */
    public void start() {
        start(null, List.of());
    }

    /**
     * After the commit: starts the deliveries written leased with {@code message} and the
     * {@code endpoints} (with keys) read before the transaction, so that an attempt starting at
     * once reads nothing more. Never throws: what cannot start is left to the poller.
     */
    public void start(Message message, List<Endpoints.Sendable> endpoints) {
        try {
            dispatcher.accept(written, permits, message, endpoints);
        } catch (RuntimeException | Error e) {
            // Committed already: the rows are safe and still leased here; they are claimed again
            // when the lease ends. The publish itself has succeeded and must say so.
            log.error("{} deliveries committed but not started here; they start when their lease ends",
                    written.size(), e);
        }
    }

    /** Gives back the room of deliveries not started: all of it when the transaction failed. */
    @Override
    public void close() {
        permits.close();
    }
}
