package io.herald.task;

import io.herald.endpoint.Endpoint;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** Which messages of a batch a task queues for its endpoint. Runs on a reading connection. */
sealed interface Pick permits FailedForGood, NeverDelivered {
    /**
     * A message to queue again, with the latest delivery of it to the endpoint that the choice saw
     * (null: none), so that the write can tell whether another delivery was queued since.
     */
    record Chosen(Candidate candidate, String latestSeen) {}

    /** The messages, among {@code batch}, to queue a new delivery of to {@code endpoint}, in batch order. */
    List<Chosen> choose(Handle h, Endpoint endpoint, List<Candidate> batch);

    static Pick of(BackgroundTask.Type type) {
        return switch (type) {
            case ENDPOINT_RECOVER -> new FailedForGood();
            case ENDPOINT_REPLAY -> new NeverDelivered();
        };
    }
}
