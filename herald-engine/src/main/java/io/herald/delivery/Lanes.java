package io.herald.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per endpoint, turn-taking: at most its cap of attempts in flight (the endpoint's own
 * {@code maxInFlight}, else the server's {@code perEndpoint}), each on its own virtual thread, and
 * the rest waiting in order, so that a slow endpoint delays only itself. A lane exists while it has
 * work and retires when its last attempt ends.
 *
 * <p>The lane keeps the cap on this node; an endpoint's own {@code maxInFlight} holds across nodes
 * too, by {@link Flight}, which the attempts in the lane ask before they send (the server's cap is
 * per node only). A lane takes the cap that comes with each delivery offered to it; a lowered cap
 * is reached as attempts end (none is cut short), a raised one as deliveries arrive.
 *
 * <p>Fair share: a lane takes a delivery only while it holds less than an even share of the node's
 * room among the lanes with work, counting one more for an endpoint yet to come
 * ({@code capacity / (lanes + 1)}, never less than {@code perEndpoint}), so endpoints that hang
 * with large backlogs leave room for the others. Not guaranteed: that a lane gives back what it
 * took while it was one of fewer (a share only stops further offers); the circuit breaker then
 * empties a failing endpoint's lane within about one attempt timeout (see {@link Breaker}).
 */
final class Lanes {
    private static final Logger log = LoggerFactory.getLogger(Lanes.class);
    /** Waiting deliveries one lane holds before it refuses further ones. */
    static final int QUEUE_CAP = 1_000;
    static final int ADMITTED = -1;

    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    private final int perEndpoint;
    private final int capacity;
    /** Runs one task's attempt; whatever it throws, the task is {@link Task#finished} after it. */
    private final Consumer<Task> attempt;

    /** {@code capacity}: the node's room, shared among the lanes. */
    Lanes(int perEndpoint, int capacity, Consumer<Task> attempt) {
        this.perEndpoint = perEndpoint;
        this.capacity = capacity;
        this.attempt = attempt;
    }

    /** Deliveries the lane of {@code endpointId} holds now, running or waiting; 0 without a lane. */
    int held(String endpointId) {
        Lane lane = lanes.get(endpointId);
        return lane == null ? 0 : lane.held();
    }

    /**
     * Takes out the deliveries waiting in {@code endpointId}'s lane (not those running) that are not
     * probes; they are the caller's to finish. Empty without a lane.
     */
    List<Task> drain(String endpointId) {
        Lane lane = lanes.get(endpointId);
        return lane == null ? List.of() : lane.drain();
    }

    /** The most one lane may hold now: an even share of the room among the lanes, one more counted. */
    int share() {
        return (int) Math.max(perEndpoint, capacity / (lanes.mappingCount() + 1));
    }

    /**
     * Admits {@code t} to its endpoint's lane: {@link #ADMITTED}, or when the lane is full, how many
     * deliveries it holds; {@code paced} is the most it may hold for this delivery, as its rate
     * limits allow, and its {@link #share} bounds it too. A refused task is still the caller's to finish.
     */
    int offer(Task t, int paced) {
        while (true) {
            Lane lane = lanes.computeIfAbsent(t.claim().endpointId(), Lane::new);
            int answer = lane.offer(t, Math.min(paced, share()));
            if (answer != Lane.RETIRED) {
                return answer;
            }
            // The lane retired between lookup and offer: a new one takes it.
        }
    }

    private final class Lane {
        static final int RETIRED = -2;
        private final String endpointId;
        private final ArrayDeque<Task> waiting = new ArrayDeque<>();
        private int running;
        /** Attempts this lane runs at once at most: the cap that came with the latest delivery offered. */
        private int cap;
        private boolean retired;

        Lane(String endpointId) {
            this.endpointId = endpointId;
            this.cap = perEndpoint;
        }

        synchronized int held() {
            return running + waiting.size();
        }

        synchronized List<Task> drain() {
            List<Task> out = new ArrayList<>();
            waiting.removeIf(t -> !t.claim().probe() && out.add(t));
            return out;
        }

        synchronized int offer(Task t, int paced) {
            if (retired) {
                return RETIRED;
            }
            // Limits.NONE: a delivery whose endpoint was not read (a resend's hand-over) says nothing of the cap.
            if (t.limits() != Pacer.Limits.NONE) {
                Integer own = t.limits().maxInFlight();
                cap = own == null ? perEndpoint : own;
            }
            int holds = running + waiting.size();
            if (holds >= paced) {
                return holds;
            }
            if (running < cap) {
                Thread.ofVirtual().name("herald-attempt").start(() -> runThenNext(t));
                running++;
                return ADMITTED;
            }
            if (waiting.size() >= QUEUE_CAP) {
                return holds;
            }
            // What publish read is fresh only for an attempt that starts now: one that waits reads
            // its endpoint (disabled, deleted, rotated, moved meanwhile?) and message when it starts.
            waiting.add(t.unloaded());
            return ADMITTED;
        }

        private void runThenNext(Task first) {
            Task t = first;
            while (t != null) {
                try {
                    attempt.accept(t);
                } catch (RuntimeException | Error e) {
                    // The attempt catches what it can; this lane must go on to the next one regardless.
                    DeliveryLog.about(log.atError(), t.claim(), "ended_abnormally").setCause(e)
                            .log("delivery {}: the attempt ended abnormally", t.claim().id());
                } finally {
                    t.finished();
                }
                synchronized (this) {
                    // Over a cap lowered meanwhile: this runner stops; the others take the waiting ones.
                    t = running > cap ? null : waiting.poll();
                    if (t == null) {
                        running--;
                        if (running == 0) {
                            retired = true;
                            lanes.remove(endpointId, this);
                        }
                    }
                }
            }
        }
    }
}
