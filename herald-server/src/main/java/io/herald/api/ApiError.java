package io.herald.api;

/** A request the API refuses before the engine sees it: bad JSON, no token, unknown route. */
public final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final String field;

    ApiError(int status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    /** The HTTP status this refusal answers. */
    public int status() {
        return status;
    }

    /** The field of the request at fault, or null. */
    public String field() {
        return field;
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, "bad_request", field, message);
    }
}
