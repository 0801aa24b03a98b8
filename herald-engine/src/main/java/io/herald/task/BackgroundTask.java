package io.herald.task;

import io.herald.HeraldException;
import java.time.Instant;
import java.util.Arrays;

/**
 * A long operation on an endpoint's messages, run in the background: what it is, how far it got.
 * {@code messagesQueued} counts the deliveries it queued so far; {@code error} says why a failed
 * task stopped.
 */
public record BackgroundTask(String id, Type type, Status status, String appId, String endpointId, Instant since,
                             Instant until, long messagesQueued, String error, Instant createdAt, Instant updatedAt) {

    /** What a task does, by Svix's names. */
    public enum Type {
        /** Queues again what failed for good. */
        ENDPOINT_RECOVER("endpoint.recover"),
        /** Queues what the endpoint never got and now subscribes to. */
        ENDPOINT_REPLAY("endpoint.replay");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** By its Svix name. */
        static java.util.Optional<Type> find(String wire) {
            return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
        }

        static Type of(String wire) {
            return find(wire).orElseThrow(() -> new IllegalStateException("unknown task type in the database: " + wire));
        }
    }

    public enum Status {
        RUNNING("running"), FINISHED("finished"), FAILED("failed");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** By its Svix name; anything else is refused naming {@code field}. */
        public static Status parse(String field, String wire) {
            return find(wire).orElseThrow(() -> new HeraldException.InvalidInput(field, "must be running, finished or failed"));
        }

        static Status of(String wire) {
            return find(wire).orElseThrow(() -> new IllegalStateException("unknown task status in the database: " + wire));
        }

        private static java.util.Optional<Status> find(String wire) {
            return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst();
        }
    }
}
