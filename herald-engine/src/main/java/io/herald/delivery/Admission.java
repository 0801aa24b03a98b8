package io.herald.delivery;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's room for deliveries in memory: reserved at publish, claimed, waiting in a lane or
 * running. Room is held through {@link Ticket}s, one per delivery, and {@link Permits}, room taken
 * for deliveries not yet written; both give their room back at most once, so a path that releases
 * twice cannot drive the count below what is held, and a path that forgets is the only leak left:
 * every holder therefore releases in a {@code finally}.
 */
final class Admission {
    private final int capacity;
    private final AtomicInteger held = new AtomicInteger();

    Admission(int capacity) {
        this.capacity = capacity;
    }

    /** Deliveries held right now. */
    int held() {
        return held.get();
    }

    /** How many more deliveries fit. */
    int room() {
        return Math.max(0, capacity - held.get());
    }

    /** Takes room for up to {@code wanted} deliveries, as much as there is. */
    Permits reserve(int wanted) {
        if (wanted <= 0) {
            return new Permits(0);
        }
        int now;
        int take;
        do {
            now = held.get();
            take = Math.min(wanted, capacity - now);
            if (take <= 0) {
                return new Permits(0);
            }
        } while (!held.compareAndSet(now, now + take));
        return new Permits(take);
    }

    /**
     * Room for deliveries already leased to this node (a claim): they are held whether or not they
     * fit, so the count may pass the capacity by one claim's worth; the next claim then waits.
     */
    Ticket admit() {
        held.incrementAndGet();
        return new Ticket();
    }

    /** Room taken for deliveries about to be written; what is not turned into tickets goes back on {@link #close}. */
    final class Permits implements AutoCloseable {
        private int left;

        private Permits(int count) {
            this.left = count;
        }

        synchronized int count() {
            return left;
        }

        /** One delivery written leased: its room moves from these permits to a ticket. */
        synchronized Ticket ticket() {
            if (left <= 0) {
                throw new IllegalStateException("no permit left");
            }
            left--;
            return new Ticket();
        }

        @Override
        public synchronized void close() {
            if (left > 0) {
                held.addAndGet(-left);
                left = 0;
            }
        }
    }

    /** One delivery's room; {@link #release} frees it once, however often it is called. */
    final class Ticket {
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket() {}

        void release() {
            if (released.compareAndSet(false, true)) {
                held.decrementAndGet();
            }
        }
    }
}
