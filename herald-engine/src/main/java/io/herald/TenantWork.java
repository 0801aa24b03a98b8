package io.herald;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Where tenant-written work runs: payload schema checks and filters at publish, templates at
 * delivery, schema checks at save. A small pool of platform threads, apart from the virtual
 * threads' carriers that serve the API and run attempts, so that CPU-bound work a tenant can make
 * expensive never holds a carrier: the caller (a virtual thread) waits for the result unmounted,
 * and the operating system shares the cores between the pool and the carriers. A request to
 * {@code /api/v1/health} is answered while the pool is busy.
 *
 * <p>Each task has a time limit. A task that ran past it is interrupted and its caller gets
 * {@link BudgetExceeded}; the work itself must stop on interrupt (the template and filter budgets
 * check it), since Java cannot stop a thread that ignores it. A task that could not even start
 * (the queue full, or still queued when its time ran out), or that spent more of its limit
 * waiting for a thread than running, is {@link HeraldException.Overloaded}: Herald's congestion
 * (a 503 the caller may retry), not the work's cost.
 * Not guaranteed: fairness between tenants; one tenant's tasks can fill the queue.
 */
public final class TenantWork {
    /** Threads of the pool: the cores, at least two. */
    public static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** Tasks that may wait for a thread; beyond them a request is refused with a 503 at once. */
    public static final int QUEUE = 1024;
    /** The time limit of a publish's checks and of a template's rendering. */
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(2);

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(() -> {
                    INSIDE.set(true);
                    r.run();
                }, "herald-tenant-work-" + THREAD_NUMBER.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private TenantWork() {}

    /**
     * Runs {@code work} on the pool and waits at most {@code limit} for it; what it throws is
     * thrown here. Called from the pool itself, it runs at once on the calling thread.
     * {@code what} names the work in errors, e.g. "the payload's schema check".
     */
    public static <T> T run(String what, Duration limit, Supplier<T> work) {
        if (INSIDE.get()) {
            return work.get();
        }
        AtomicLong startedAt = new AtomicLong();
        FutureTask<T> task = new FutureTask<>(() -> {
            startedAt.set(System.nanoTime());
            return work.get();
        });
        long submitted = System.nanoTime();
        try {
            POOL.execute(task);
        } catch (RejectedExecutionException e) {
            throw new HeraldException.Overloaded("Herald is busy: " + QUEUE + " tasks of tenant-written work are waiting; "
                    + what + " was not started, try again later");
        }
        try {
            return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            long started = startedAt.get();
            if (started == 0) {
                throw new HeraldException.Overloaded("Herald is busy: " + what + " waited " + limit.toMillis()
                        + " ms for a thread and was not started, try again later");
            }
            long ran = System.nanoTime() - started;
            long queued = started - submitted;
            if (queued > ran) {
                // Most of the time went waiting for a thread: Herald's congestion, not the work's
                // cost. Saying "over budget" (a 422 at publish) would tell the caller its input is
                // bad, and it would not retry a message that is fine.
                throw new HeraldException.Overloaded("Herald is busy: " + what + " waited " + ms(queued)
                        + " ms for a thread and was stopped after " + ms(ran) + " ms (limit " + limit.toMillis()
                        + " ms), try again later");
            }
            throw new BudgetExceeded(what + " ran for more than " + ms(ran)
                    + " ms (limit " + limit.toMillis() + " ms, " + ms(queued) + " ms of it queued) and was stopped");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(what + " failed", cause);
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw new HeraldException.Overloaded("interrupted while waiting for " + what);
        }
    }

    /** Tasks running now (approximate, as the pool counts them); for tests. */
    static int running() {
        return POOL.getActiveCount();
    }

    /** Tasks waiting for a thread now; for tests. */
    static int waiting() {
        return POOL.getQueue().size();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
