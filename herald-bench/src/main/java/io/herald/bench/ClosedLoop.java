package io.herald.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishers that each send their next request as soon as the previous one is answered (closed
 * loop), as an application with a fixed number of concurrent publishers does: the rate is whatever
 * the server's answers allow, and a slow answer slows the sender (unlike {@link OpenLoop}, whose
 * schedule ignores answers). Each publisher is a virtual thread; requests are numbered in the
 * order they start, across publishers. Runs from {@link #start} until {@link #close}.
 */
final class ClosedLoop implements AutoCloseable {
    /** Sends request number {@code index} and returns when it is answered or has failed. */
    interface Turn {
        void sendAndWait(long index);
    }

    private final List<Thread> publishers = new ArrayList<>();
    private final AtomicLong next = new AtomicLong();
    private volatile boolean stopping;

    private ClosedLoop() {}

    static ClosedLoop start(int publishers, Turn turn) {
        if (publishers < 1) {
            throw new IllegalArgumentException("a closed loop needs at least one publisher, got " + publishers);
        }
        ClosedLoop loop = new ClosedLoop();
        for (int i = 0; i < publishers; i++) {
            loop.publishers.add(Thread.ofVirtual().name("bench-publisher-" + i).start(() -> {
                while (!loop.stopping) {
                    turn.sendAndWait(loop.next.getAndIncrement());
                }
            }));
        }
        return loop;
    }

    /** Requests started so far. */
    long started() {
        return next.get();
    }

    /**
     * Lets every publisher finish the request it is waiting for, then returns. The client's request
     * timeout (60 s) bounds the wait.
     */
    @Override
    public void close() {
        stopping = true;
        for (Thread t : publishers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the publishers", e);
            }
        }
    }
}
