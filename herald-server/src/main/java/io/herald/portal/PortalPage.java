package io.herald.portal;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The application portal's page, {@code /portal/app/{app_id}}, where app-portal-access links
 * point. The portal is not built yet: the page says so, the same for every id, and looks nothing
 * up and echoes nothing back, so it tells a visitor without a token nothing about what exists.
 * Other paths are left to the next handler.
 */
public final class PortalPage extends Handler.Abstract {
    static final String PREFIX = "/portal/app/";
    private static final byte[] PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Herald application portal</title>
            </head>
            <body>
            <h1>Application portal</h1>
            <p>The portal for this application is not built yet.</p>
            <p>Until it is, the token you were given works with Herald's API for this application's
            endpoints, messages and delivery attempts.</p>
            </body>
            </html>
            """.getBytes(StandardCharsets.UTF_8);

    /** The page's path for the application whose id is {@code appId}. */
    public static String pathFor(String appId) {
        return PREFIX + URLEncoder.encode(appId, StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX) || path.length() == PREFIX.length() || path.indexOf('/', PREFIX.length()) >= 0) {
            return false;
        }
        var headers = response.getHeaders();
        // The link may one day carry a credential: keep the page out of caches and referrers.
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            headers.put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, 405);
            return true;
        }
        headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        headers.put(HttpHeader.CONTENT_LENGTH, PAGE.length);
        response.setStatus(200);
        if (method.equals("HEAD")) {
            response.write(true, null, callback);
        } else {
            response.write(true, ByteBuffer.wrap(PAGE), callback);
        }
        return true;
    }
}
