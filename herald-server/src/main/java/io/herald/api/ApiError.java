package io.herald.api;

/** A request the API refuses before the engine sees it: bad JSON, no token, unknown route. */
final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final String field;

    ApiError(int status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, "bad_request", field, message);
    }
}
