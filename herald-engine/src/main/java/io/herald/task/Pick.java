package io.herald.task;

import io.herald.endpoint.Endpoint;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** Which messages of a batch a task queues for its endpoint. */
sealed interface Pick permits FailedForGood, NeverDelivered {
    /** The messages, among {@code batch}, to queue a new delivery of to {@code endpoint}, in batch order. */
    List<Candidate> choose(Handle h, Endpoint endpoint, List<Candidate> batch);

    static Pick of(BackgroundTask.Type type) {
        return switch (type) {
            case ENDPOINT_RECOVER -> new FailedForGood();
            case ENDPOINT_REPLAY -> new NeverDelivered();
        };
    }
}
