package io.herald.delivery;

import io.herald.endpoint.Endpoints;
import io.herald.message.Message;
import java.util.concurrent.CompletableFuture;

/**
 * One delivery this node holds, from its claim (or publish) until its attempt is recorded or it is
 * given back: its room on the node ({@code ticket}), and {@code done}, completed when the room is
 * freed. {@code loaded} is what publish already read, or null to read at send.
 */
record Task(Deliveries.Claim claim, Loaded loaded, Pacer.Limits limits, Admission.Ticket ticket,
            CompletableFuture<Void> done) {

    Task(Deliveries.Claim claim, Loaded loaded, Pacer.Limits limits, Admission.Ticket ticket) {
        this(claim, loaded, limits, ticket, new CompletableFuture<>());
    }

    /** The same delivery without what publish read: it waits, so it reads afresh when it starts. */
    Task unloaded() {
        return new Task(claim, null, limits, ticket, done);
    }

    /** Frees the delivery's room and tells whoever waits for it; safe to call more than once. */
    void finished() {
        ticket.release();
        done.complete(null);
    }

    /** What an attempt needs, when publish already had it; {@code message} null to read it at send. */
    record Loaded(Endpoints.Sendable endpoint, Message message) {}
}
