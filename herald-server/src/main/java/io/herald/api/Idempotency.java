package io.herald.api;

import io.herald.idempotency.IdempotencyKeys;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;

/**
 * The {@code idempotency-key} header of POST requests: the route runs once per key and credential,
 * and later requests with that key get its response again, marked {@code idempotent-replayed: true}
 * (see {@link IdempotencyKeys}). Without the header the route just runs: nothing is read or written.
 */
final class Idempotency {
    static final String REPLAYED = "idempotent-replayed";

    private final IdempotencyKeys keys;

    Idempotency(IdempotencyKeys keys) {
        this.keys = keys;
    }

    /** Runs {@code handler} for an authenticated request, once per key when it carries one. */
    Reply run(Request request, String path, Call call, Router.Handler handler) {
        String key = request.getHeaders().get(IdempotencyKeys.FIELD);
        if (key == null || !HttpMethod.POST.is(request.getMethod())) {
            return handler.handle(call);
        }
        if (call.principal() == null) {
            return handler.handle(call); // no credential, no scope to keep the key in (Svix does the same)
        }
        String credential = call.principal().tokenHash();
        String query = request.getHttpURI().getQuery();
        String route = request.getMethod() + " " + path + (query == null || query.isEmpty() ? "" : "?" + query);
        IdempotencyKeys.Result result = keys.run(new IdempotencyKeys.Request(credential, key, route, call.body()), reserved -> {
            call.reserve(reserved);
            Reply reply = handler.handle(call);
            Encoded e = Encoded.of(reply);
            return new IdempotencyKeys.Response(reply.status(), e == null ? null : e.contentType(),
                    e == null ? null : new String(e.bytes(), StandardCharsets.UTF_8), idOf(reply));
        });
        IdempotencyKeys.Response r = result.response();
        return new Reply(r.status(), new Encoded(r.contentType(),
                r.body() == null ? null : r.body().getBytes(StandardCharsets.UTF_8), result.replayed()));
    }

    /** The id of the resource a reply shows ({@code msg_…} of a publish), if it shows one. */
    private static String idOf(Reply reply) {
        return reply.body() instanceof java.util.Map<?, ?> m && m.get("id") instanceof String id ? id : null;
    }
}
