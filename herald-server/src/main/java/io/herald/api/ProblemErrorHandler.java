package io.herald.api;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty answers itself, before a request reaches {@link ApiHandler} (a header block too large,
 * an ambiguous or malformed URI, conflicting lengths), as the same problem documents the API
 * writes, instead of Jetty's HTML page. The {@code field} says which part of the request was
 * refused: {@code path}, {@code headers} or {@code body}.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    /** Jetty writes no body for methods other than GET, POST and HEAD; Herald explains every refusal. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        Encoded body = encoded(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, body.contentType());
        response.write(true, ByteBuffer.wrap(body.bytes()), callback);
    }

    /** For errors found while parsing, before there is a request to dispatch. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        Encoded body = encoded(status, reason);
        fields.put(HttpHeader.CONTENT_TYPE, body.contentType());
        return ByteBuffer.wrap(body.bytes());
    }

    private static Encoded encoded(int status, String message) {
        String detail = message == null || message.isBlank() ? "the request was refused" : message;
        return Encoded.of(ApiHandler.problem(status, code(status), field(status, detail), detail));
    }

    private static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            default -> status >= 500 ? "internal" : "http_" + status;
        };
    }

    /** Which part of the request Jetty refused, from its status and message. */
    static String field(int status, String detail) {
        String d = detail.toLowerCase(Locale.ROOT);
        if (status == 431 || d.contains("header") || d.contains("content-length") || d.contains("transfer-encoding")
                || d.contains("duplicate")) {
            return "headers";
        }
        if (status == 413 || d.contains("content") || d.contains("body")) {
            return "body";
        }
        return "path"; // 414, and the URI's own errors: ambiguous separators, segments, encodings
    }
}
