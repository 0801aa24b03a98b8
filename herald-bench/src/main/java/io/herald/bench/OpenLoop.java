package io.herald.bench;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * Sends at a fixed rate by the clock, whatever the answers do (open loop): request {@code i} is due
 * at {@code start + i / rate}. A late sender catches up at once instead of stretching the schedule,
 * so slow answers cannot hide latency (no coordinated omission); latency is measured from the due
 * time. When more than {@code maxInFlight} requests are unanswered a due request is skipped and
 * counted, so a stalled server cannot pile up unbounded work in the harness.
 */
final class OpenLoop {
    private OpenLoop() {}

    /** Sends request number {@code index}, due at {@code dueNanos} ({@link System#nanoTime()}). */
    interface Send {
        void send(long index, long dueNanos);
    }

    /** What a run did: requests sent, skipped for too many in flight, and the worst sending lag. */
    record Stats(long sent, long skipped, double seconds, double maxLagMs) {}

    /** When request {@code i} is due. */
    static long due(long start, long i, double rate) {
        return start + (long) (i * 1e9 / rate);
    }

    /** How many requests a run of {@code seconds} at {@code rate} sends. */
    static long count(double rate, double seconds) {
        return (long) Math.ceil(rate * seconds - 1e-9);
    }

    static Stats run(double rate, double seconds, IntSupplier inFlight, int maxInFlight, Send send) {
        if (rate <= 0 || seconds <= 0) {
            throw new IllegalArgumentException("rate and seconds must be positive, got " + rate + "/s for " + seconds + " s");
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long n = count(rate, seconds);
        long sent = 0;
        long skipped = 0;
        long maxLag = 0;
        for (long i = 0; i < n; i++) {
            long due = due(start, i, rate);
            long now = System.nanoTime();
            while (now < due) {
                LockSupport.parkNanos(due - now);
                now = System.nanoTime();
            }
            maxLag = Math.max(maxLag, now - due);
            if (inFlight.getAsInt() >= maxInFlight) {
                skipped++;
            } else {
                send.send(i, due);
                sent++;
            }
        }
        long now = System.nanoTime();
        while (now < end) {
            LockSupport.parkNanos(end - now);
            now = System.nanoTime();
        }
        return new Stats(sent, skipped, (now - start) / 1e9, maxLag / 1e6);
    }
}
