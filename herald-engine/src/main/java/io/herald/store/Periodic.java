package io.herald.store;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs a piece of housekeeping (a purge of expired rows, a batched write) every {@code interval}
 * on a daemon thread of its own. What the work does is its business (it reads the injected clock);
 * this only paces it. It never dies: a failed run is logged and the next one comes as planned.
 */
public final class Periodic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Periodic.class);

    private final String name;
    private final IntSupplier work;
    private final Duration interval;
    private ScheduledExecutorService executor;

    /**
     * @param name     what the work does, for the thread's name and the log ({@code idempotency-purge})
     * @param work     one run; returns how many rows it touched, for the debug log
     * @param interval between the end of a run and the start of the next
     */
    public Periodic(String name, IntSupplier work, Duration interval) {
        this.name = name;
        this.work = work;
        this.interval = interval;
    }

    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("herald-" + name).factory());
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            int n = work.getAsInt();
            if (n > 0) {
                log.debug("{}: {} rows", name, n);
            }
        } catch (RuntimeException e) {
            // A thrown exception would cancel every later run of a scheduled executor.
            StoreFaults.logAt(log, Level.WARN, e).log("{} failed; trying again in {}", name, interval);
        }
    }

    /** Stops the schedule; a run under way is interrupted. */
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
