package io.herald.api;

/** What a route answers: a status and a body to write as JSON (null for none). */
record Reply(int status, Object body) {
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
