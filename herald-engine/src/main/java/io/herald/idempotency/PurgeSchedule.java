package io.herald.idempotency;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the purge of expired keys every {@code interval} on a daemon thread. Which keys are expired
 * is the purge's business (it reads the injected clock); this only paces it. It never dies: a
 * failed run is logged and the next one comes as planned.
 */
final class PurgeSchedule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PurgeSchedule.class);

    private final IntSupplier purge;
    private final Duration interval;
    private ScheduledExecutorService executor;

    PurgeSchedule(IntSupplier purge, Duration interval) {
        this.purge = purge;
        this.interval = interval;
    }

    synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("herald-idempotency-purge").factory());
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            int n = purge.getAsInt();
            if (n > 0) {
                log.debug("purged {} expired idempotency keys", n);
            }
        } catch (RuntimeException e) {
            // A thrown exception would cancel every later run of a scheduled executor.
            log.warn("purging expired idempotency keys failed; trying again in {}", interval, e);
        }
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
    }
}
