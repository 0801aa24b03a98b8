package io.herald;

import io.herald.delivery.Dispatcher;
import io.herald.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether this node can do its work: the database answers a {@code SELECT 1} within {@link
 * #PING_TIMEOUT}, and its claim loop completed a cycle within {@code max(30 s, 20 poll
 * intervals)}. The answer is kept {@link #FRESH} (by the engine's clock), so however often it is
 * asked the database sees at most one ping a second; it turns ready again by itself when both hold.
 */
public final class Readiness {
    /** How long the database may take to answer. */
    public static final Duration PING_TIMEOUT = Duration.ofSeconds(1);
    /** How long an answer is reused. */
    static final Duration FRESH = Duration.ofSeconds(1);

    /** Not ready: {@code reason} is a stable code ({@code store_unavailable}, {@code not_claiming}). */
    public record NotReady(String reason, String detail) {}

    private final Store store;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final long staleMillis;
    private long checkedAt;
    /** Null until the first ask. */
    private Optional<NotReady> last;

    Readiness(Store store, Dispatcher dispatcher, Clock clock, Duration pollInterval) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.staleMillis = Math.max(Duration.ofSeconds(30).toMillis(), pollInterval.multipliedBy(20).toMillis());
    }

    /** Empty when ready; else why not. */
    public synchronized Optional<NotReady> check() {
        long now = clock.millis();
        if (last != null && now >= checkedAt && now - checkedAt < FRESH.toMillis()) {
            return last;
        }
        last = ping().or(() -> claiming(now));
        checkedAt = clock.millis();
        return last;
    }

    private Optional<NotReady> ping() {
        // The pool's own wait for a connection is longer than the bound: the caller waits at most PING_TIMEOUT.
        CompletableFuture<Void> answer = CompletableFuture.runAsync(() -> store.ping(PING_TIMEOUT),
                r -> Thread.ofVirtual().name("herald-readiness").start(r));
        try {
            answer.get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            answer.cancel(true);
            return Optional.of(new NotReady("store_unavailable", "the database did not answer within "
                    + PING_TIMEOUT.toMillis() + " ms"));
        } catch (ExecutionException e) {
            return Optional.of(new NotReady("store_unavailable", e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(new NotReady("store_unavailable", "interrupted while asking the database"));
        }
    }

    private Optional<NotReady> claiming(long now) {
        OptionalLong last = dispatcher.lastClaimCycle();
        if (last.isEmpty() || now - last.getAsLong() <= staleMillis) {
            return Optional.empty();
        }
        return Optional.of(new NotReady("not_claiming", "this node's claim loop has not completed a cycle for "
                + (now - last.getAsLong()) / 1000 + " s (more than " + staleMillis / 1000 + " s)"));
    }
}
