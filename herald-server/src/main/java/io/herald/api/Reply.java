package io.herald.api;

import java.util.Map;

/** What a route answers: a status, a body to write as JSON (null for none) and headers of its own. */
record Reply(int status, Object body, Map<String, String> headers) {
    Reply(int status, Object body) {
        this(status, body, Map.of());
    }

    static Reply ok(Object body) {
        return new Reply(200, body);
    }

    static Reply created(Object body) {
        return new Reply(201, body);
    }

    static Reply noContent() {
        return new Reply(204, null);
    }

    static Reply accepted() {
        return new Reply(202, null);
    }

    static Reply accepted(Object body) {
        return new Reply(202, body);
    }
}
