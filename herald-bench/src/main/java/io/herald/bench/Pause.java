package io.herald.bench;

/** Sleeps that turn an interrupt into an exception (the run is being stopped) and keep the flag. */
final class Pause {
    private Pause() {}

    static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void seconds(double s) {
        millis((long) (s * 1000));
    }

    /** Polls {@code done} every {@code pollMillis} until it holds or {@code seconds} pass; true when it holds. */
    static boolean until(java.util.function.BooleanSupplier done, double seconds, long pollMillis) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() >= end) {
                return false;
            }
            millis(pollMillis);
        }
        return true;
    }

    /** Waits for {@code t} to end; nothing when it is null. */
    static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
