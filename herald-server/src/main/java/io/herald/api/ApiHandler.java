package io.herald.api;

import io.herald.Bodies;
import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.api.Router.Access;
import io.herald.auth.Principal;
import io.herald.auth.Tokens;
import io.herald.delivery.Cidr;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty glue for the API: routing, authentication and authorization, body reading, and the one
 * place where exceptions become HTTP problem documents (RFC 9457, with Svix's {@code code} beside).
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    /** Request bodies larger than this are refused before parsing (payload cap plus envelope). */
    static final int MAX_BODY_BYTES = io.herald.message.Messages.MAX_PAYLOAD_BYTES + 64 * 1024;

    private final Router router;
    private final Tokens tokens;
    private final Authorizer authorizer;
    private final Idempotency idempotency;
    private final AuditTrail audit;

    public ApiHandler(Herald herald) {
        this(herald, List.of());
    }

    /** {@code trustedProxies}: peers whose X-Forwarded-For the audit log believes (HERALD_TRUSTED_PROXIES). */
    public ApiHandler(Herald herald, List<Cidr> trustedProxies) {
        this.router = Routes.build(herald);
        this.tokens = herald.tokens();
        this.authorizer = new Authorizer(herald.applications());
        this.idempotency = new Idempotency(herald.idempotencyKeys());
        this.audit = new AuditTrail(herald.audit(), herald.applications(), trustedProxies);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        Reply reply;
        try {
            // The body is read before anything may refuse the request: an answer sent with the body
            // still unread makes Jetty close the connection, which a client reusing it sees as a
            // response with no bytes.
            String body = readBody(request);
            Router.Match match = find(request, path);
            Principal principal = match.access() == Access.PUBLIC ? null : authenticate(request);
            Map<String, String> params = authorizer.authorize(principal, match, request.getMethod(), path);
            Call call = new Call(principal, baseUrl(request), params, query(request), body,
                    name -> request.getHeaders().get(name));
            call.checkBody();
            String appBefore = AuditTrail.audits(match.route()) ? audit.applicationOf(params) : null;
            reply = match.route().secretReply() ? match.handler().handle(call) : idempotency.run(request, path, call, match.handler());
            audit.record(request, principal, match.route(), params, appBefore, body, reply);
        } catch (HeraldException e) {
            reply = problem(e);
        } catch (ApiError e) {
            reply = problem(e.status, e.code, e.field, e.getMessage());
        } catch (RuntimeException e) {
            log.error("{} {} failed", request.getMethod(), path, e);
            reply = problem(500, "internal", null, "internal error; see the server log");
        }
        write(response, callback, reply);
        return true;
    }

    /**
     * The route for the request. An unknown path or method under {@code /api/} is told (404, 405)
     * only to a caller with a valid token, else 401: without one, the route table cannot be read.
     * The public routes' paths (health) answer 405 to anyone.
     */
    private Router.Match find(Request request, String path) {
        try {
            return router.find(request.getMethod(), path);
        } catch (ApiError miss) {
            if (path.startsWith("/api/") && !router.isPublic(path)) {
                authenticate(request);
            }
            throw miss;
        }
    }

    /** Who the bearer token speaks for; 401 when there is none, or it is unknown, revoked or expired. */
    private Principal authenticate(Request request) {
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "authentication_failed", null, "an Authorization: Bearer <token> header is required");
        }
        String token = auth.substring(7).strip();
        return tokens.find(token).orElseThrow(() ->
                new ApiError(401, "authentication_failed", null, "the bearer token is not valid (unknown, revoked or expired)"));
    }

    private static String baseUrl(Request request) {
        HttpURI uri = request.getHttpURI();
        return uri.getScheme() + "://" + uri.getAuthority();
    }

    /** Strictly decoded: a bad escape, invalid UTF-8 or U+0000 is a 400 naming the parameter. */
    private static Map<String, List<String>> query(Request request) {
        return Text.query(request.getHttpURI().getQuery());
    }

    private static String readBody(Request request) {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("DELETE") || method.equals("HEAD")) {
            return null;
        }
        long declared = request.getLength();
        if (declared > MAX_BODY_BYTES) {
            throw new ApiError(413, "payload_too_large", "body", "request body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = Bodies.readUpTo(in, MAX_BODY_BYTES + 1, declared);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new ApiError(413, "payload_too_large", "body", "request body exceeds " + MAX_BODY_BYTES + " bytes");
            }
            return Text.utf8("body", bytes);
        } catch (IOException e) {
            throw ApiError.badRequest("body", "could not be read: " + e.getMessage());
        }
    }

    static Reply problem(HeraldException e) {
        return switch (e) {
            case HeraldException.NotFound nf -> problem(404, nf.code(), null, nf.getMessage());
            case HeraldException.Conflict c -> problem(409, c.code(), c.field(), c.getMessage());
            case HeraldException.InvalidInput v -> problem(422, v.code(), v.field(), v.reason(), v.details());
            case HeraldException.StoreUnavailable s -> {
                Reply r = problem(503, s.code(), null, s.reason().description + "; nothing was written. Retry later");
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) r.body();
                p.put("reason", s.reason().code);
                yield r;
            }
            case HeraldException.CommitUnknown c -> problem(503, c.code(), null, "the connection to the database broke while "
                    + "this was being committed: it may or may not have been written. Retry with the same idempotency-key (the "
                    + "retry then answers the stored message, or stores it once) or the same eventId (a 409 then means it "
                    + "was stored)");
            case HeraldException.Overloaded o -> problem(503, o.code(), null, o.getMessage());
            default -> problem(500, e.code(), null, e.getMessage());
        };
    }

    static Reply problem(int status, String code, String field, String detail) {
        return problem(status, code, field, detail, List.of());
    }

    /** A problem document; {@code errors} lists {@code details} when given, else the one field. */
    static Reply problem(int status, String code, String field, String detail, List<HeraldException.InvalidInput.Detail> details) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "urn:herald:problem:" + code);
        p.put("title", titleOf(status));
        p.put("status", status);
        p.put("code", code);
        p.put("detail", field == null ? detail : field + ": " + detail);
        if (!details.isEmpty()) {
            p.put("errors", details.stream().map(d -> Map.of("field", d.field(), "message", d.message())).toList());
        } else if (field != null) {
            p.put("errors", List.of(Map.of("field", field, "message", detail)));
        }
        return new Reply(status, p);
    }

    private static String titleOf(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 409 -> "Conflict";
            case 413 -> "Payload too large";
            case 414 -> "URI too long";
            case 431 -> "Request header fields too large";
            case 422 -> "Invalid input";
            case 503 -> "Service unavailable";
            default -> "Internal error";
        };
    }

    /** Seconds a client is asked to wait after a 503 (the database or Herald's tenant pool is busy or away). */
    static final int RETRY_AFTER_SECONDS = 2;

    private static void write(Response response, Callback callback, Reply reply) {
        response.setStatus(reply.status());
        if (reply.status() == 503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        }
        reply.headers().forEach(response.getHeaders()::put);
        Encoded body = Encoded.of(reply);
        if (body != null && body.replayed()) {
            response.getHeaders().put(Idempotency.REPLAYED, "true");
        }
        if (body == null || body.bytes() == null) {
            callback.succeeded();
            return;
        }
        if (body.contentType() != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, body.contentType());
        }
        response.write(true, java.nio.ByteBuffer.wrap(body.bytes()), callback);
    }
}
