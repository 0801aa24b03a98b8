package io.herald.store;

import io.herald.HeraldException;
import io.herald.HeraldException.StoreUnavailable.Reason;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database answered the last operations, kept from their outcomes at no cost while it
 * does. An outage is an episode: its first failure logs one line naming the database as the cause,
 * the first success after it logs how long it lasted and how many operations failed meanwhile, and
 * nothing in between does, so a stopped database is two lines in the log, not a stack trace per
 * delivery. Outages less than 10 s apart (connections cut one after another) log at DEBUG after the
 * first.
 */
public final class StoreHealth {
    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

    /** An outage that starts this soon after the last one ended continues it in the log: cut connections come in bursts. */
    private static final long QUIET_NANOS = 10_000_000_000L;

    private record Episode(long startNanos, Reason reason, LongAdder failures, boolean logged) {}

    private volatile Episode episode;
    private long lastEndNanos = System.nanoTime() - QUIET_NANOS;

    /** The reason of the outage going on, or empty when the last operation got an answer. */
    public Optional<Reason> failing() {
        Episode e = episode;
        return e == null ? Optional.empty() : Optional.of(e.reason());
    }

    void failed(HeraldException cause) {
        Episode e = episode;
        if (e == null) {
            synchronized (this) {
                if (episode == null) {
                    Reason reason = cause instanceof HeraldException.StoreUnavailable su ? su.reason() : Reason.UNREACHABLE;
                    if (reason == Reason.CLOSED) {
                        return; // this node is stopping: not the database's fault
                    }
                    long now = System.nanoTime();
                    boolean logged = now - lastEndNanos >= QUIET_NANOS;
                    episode = new Episode(now, reason, new LongAdder(), logged);
                    (logged ? log.atWarn() : log.atDebug()).addKeyValue("store_reason", reason.code)
                            .log("database unavailable ({}): {}. Writes and reads fail with 503 until it answers again; "
                                    + "deliveries wait. This is logged once per outage.", reason.code, cause.getMessage());
                }
                e = episode;
            }
        }
        e.failures().increment();
    }

    void succeeded() {
        if (episode == null) {
            return;
        }
        synchronized (this) {
            Episode e = episode;
            if (e != null) {
                episode = null;
                lastEndNanos = System.nanoTime();
                boolean lasting = lastEndNanos - e.startNanos() >= QUIET_NANOS;
                (e.logged() || lasting ? log.atInfo() : log.atDebug()).addKeyValue("store_reason", e.reason().code)
                        .log("database answers again after {} ms; {} operations failed meanwhile",
                                (System.nanoTime() - e.startNanos()) / 1_000_000, e.failures().sum());
            }
        }
    }
}
