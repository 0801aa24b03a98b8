package io.herald.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.herald.Bodies;
import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.Readiness;
import io.herald.api.ApiError;
import io.herald.api.AuditTrail;
import io.herald.api.Authorizer;
import io.herald.api.In;
import io.herald.api.Router.Access;
import io.herald.api.Text;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.auth.Principal;
import io.herald.auth.Tokens;
import io.herald.delivery.Cidr;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.Endpoints;
import io.herald.metrics.ServerOverview;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.pathmap.MatchedPath;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Jetty glue for the web console ({@code /console/…}): routing, the session cookie, CSRF checks,
 * the page headers, and the one place where exceptions become HTML error pages. Who may open a
 * page is decided by the API's {@link Authorizer}, from the route's {@link Access} and the
 * session's principal (the principal of the token it was opened with); changes are written to the
 * audit log as the API's are, under the page's route. The application portal
 * ({@code /portal/…}) is entered through a single-use link and shows one application's pages,
 * which the console shows too ({@link AppPages}); a portal session is its application token's
 * principal, so {@link Authorizer} keeps it in that application as it does the token.
 */
public final class WebHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(WebHandler.class);
    /** Form bodies larger than this are refused: the console's forms are small. */
    static final int MAX_FORM_BYTES = 64 * 1024;
    static final int PAGE_SIZE = 50;
    static final String SIGN_IN = "/console/sign-in";

    static final String PORTAL_ENTER = "/portal/enter";
    static final String PORTAL_SIGNED_OUT = "/portal/signed-out";

    @FunctionalInterface
    interface Action {
        Result handle(Exchange x);
    }

    /** A route: {@code access} null for the public sign-in and portal entry pages. */
    record Route(String method, PathSpec path, Access access, Action action) {}

    /**
     * What a page handler sees. {@code params} are the path parameters as {@link Authorizer}
     * checked them; {@code route} is the route's path template (the audit log's name for it).
     */
    record Exchange(Request request, Response response, Optional<Sessions.Current> session, String route,
                    Map<String, String> params, Map<String, List<String>> query, Map<String, List<String>> form) {
        String query(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String form(String name) {
            List<String> v = form.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        Principal principal() {
            return session.orElseThrow().principal();
        }
    }

    sealed interface Result {}

    /** A page; a template that does not use the layout is a fragment for htmx. */
    record Html(int status, String template, String title, Object view) implements Result {}

    record Redirect(String location) implements Result {}

    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final Assets assets = new Assets();
    private final Sessions sessions;
    private final PageHeaders headers;
    private final Herald herald;
    private final Tokens tokens;
    private final Applications applications;
    private final Endpoints endpoints;
    private final Authorizer authorizer;
    private final AuditTrail audit;
    private final List<Route> routes;

    /**
     * {@code trustedProxies}: peers whose X-Forwarded-Proto is believed (HERALD_TRUSTED_PROXIES);
     * {@code portalFrameAncestors}: the CSP sources that may frame the portal
     * (HERALD_PORTAL_FRAME_ANCESTORS, checked), none when empty.
     */
    public WebHandler(Herald herald, List<Cidr> trustedProxies, List<String> portalFrameAncestors) {
        this.sessions = new Sessions(herald.webSessions(), trustedProxies, !portalFrameAncestors.isEmpty());
        this.headers = new PageHeaders(portalFrameAncestors);
        this.herald = herald;
        this.tokens = herald.tokens();
        this.applications = herald.applications();
        this.endpoints = herald.endpoints();
        this.authorizer = new Authorizer(herald.applications());
        this.audit = new AuditTrail(herald.audit(), herald.applications(), trustedProxies);
        List<Route> all = new ArrayList<>(List.of(
                new Route("GET", PathSpec.from("/console/"), Access.ADMIN, this::health),
                new Route("GET", PathSpec.from(SIGN_IN), null, this::signInForm),
                new Route("POST", PathSpec.from(SIGN_IN), null, this::signIn),
                new Route("POST", PathSpec.from("/console/sign-out"), Access.CALLER, this::signOut),
                new Route("GET", PathSpec.from("/console/apps"), Access.ADMIN, this::apps),
                new Route("GET", PathSpec.from("/console/apps/new"), Access.ADMIN, this::newAppForm),
                new Route("POST", PathSpec.from("/console/apps/new"), Access.ADMIN, this::createApp),
                new Route("GET", new UriTemplatePathSpec("/console/app/{app_id}"), Access.ADMIN, this::app),
                new Route("GET", PathSpec.from(PORTAL_ENTER), null, this::enterPortal),
                new Route("POST", PathSpec.from("/portal/sign-out"), Access.CALLER, this::signOut),
                new Route("GET", PathSpec.from(PORTAL_SIGNED_OUT), null, x -> new Html(200, "problem.jte", "Signed out",
                        new Views.Problem(200, "Signed out", "You have left the portal. Open it again from the product that sent you here.")))));
        AppPages appPages = new AppPages(herald, audit);
        all.addAll(appPages.routes());
        all.addAll(appPages.operationalRoutes());
        all.addAll(new CatalogPages(herald, audit).routes());
        this.routes = List.copyOf(all);
    }

    /** The handler of {@code /assets/…}: htmx and herald.css, from memory. */
    public Handler assets() {
        return assets;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        Optional<Sessions.Current> session = Optional.empty();
        Result result;
        try {
            if (path.equals("/") || path.equals("/console")) {
                result = new Redirect("/console/");
            } else {
                // Read before anything may refuse the request (see ApiHandler.handle).
                Map<String, List<String>> form = readForm(request);
                session = sessions.current(request, Sessions.Cookie.of(path));
                result = dispatch(request, response, path, session, form);
            }
        } catch (ApiErrorPage e) {
            result = problem(e.status, e.getMessage());
        } catch (ApiError e) {
            result = problem(e.status(), e.getMessage());
        } catch (HeraldException.NotFound e) {
            result = problem(404, e.getMessage());
        } catch (HeraldException.InvalidInput e) {
            result = problem(422, e.getMessage());
        } catch (HeraldException.StoreUnavailable e) {
            result = problem(503, "Herald cannot use its database now (" + e.reason().description
                    + "); nothing was written. Try again shortly.");
        } catch (HeraldException.CommitUnknown e) {
            result = problem(503, "The connection to the database broke while this was being saved: it may or may not "
                    + "have been. Reload the page to see, then try again if needed.");
        } catch (HeraldException.Overloaded e) {
            result = problem(503, e.getMessage() + ". Try again shortly.");
        } catch (RuntimeException e) {
            log.error("{} {} failed", request.getMethod(), path, e);
            result = problem(500, "Internal error; see the server log.");
        }
        write(request, response, callback, path, session, result);
        return true;
    }

    private Result dispatch(Request request, Response response, String path, Optional<Sessions.Current> session,
                            Map<String, List<String>> form) {
        String method = request.getMethod().equals("HEAD") ? "GET" : request.getMethod();
        Route route = null;
        String template = null;
        Map<String, String> params = Map.of();
        boolean pathKnown = false;
        for (Route r : routes) {
            MatchedPath m = r.path().matched(path);
            if (m != null) {
                pathKnown = true;
                if (r.method().equals(method)) {
                    route = r;
                    template = r.path().getDeclaration();
                    params = r.path() instanceof UriTemplatePathSpec t ? t.getPathParams(path) : Map.of();
                    break;
                }
            }
        }
        if (route == null) {
            return problem(pathKnown ? 405 : 404, pathKnown ? "This page does not take " + method + "." : "There is no such page.");
        }
        boolean writes = !method.equals("GET");
        if (writes && Csrf.crossSite(request, sessions.origin(request))) {
            return problem(403, "This form was sent from another site; nothing was changed.");
        }
        boolean portal = Sessions.Cookie.of(path) == Sessions.Cookie.PORTAL;
        if (route.access() != null) {
            if (session.isEmpty() && portal) {
                return problem(403, "Your portal session has ended" + (writes ? "; nothing was changed" : "")
                        + ". Open the portal again from the product that sent you here.");
            }
            if (session.isEmpty()) {
                return writes ? problem(403, "Your session has ended; sign in again. Nothing was changed.") : new Redirect(SIGN_IN);
            }
            if (writes && !Csrf.matches(session.get().secret(), form.containsKey(Csrf.FIELD)
                    ? form.get(Csrf.FIELD).get(0) : request.getHeaders().get(Csrf.HEADER))) {
                return problem(403, "This form is out of date or was not sent by this console; nothing was changed. Reload the page and try again.");
            }
            params = authorizer.authorize(session.get().principal(), route.access(), params, method, path);
        }
        return route.action().handle(new Exchange(request, response, session, template, params,
                Text.query(request.getHttpURI().getQuery()), form));
    }

    private Result signInForm(Exchange x) {
        return x.session().isPresent() ? new Redirect("/console/apps") : new Html(200, "console/sign-in.jte", "Sign in", new Views.SignIn(null));
    }

    private Result signIn(Exchange x) {
        String token = x.form("token");
        Optional<Principal> p = token == null || token.isBlank() ? Optional.empty() : tokens.find(token.strip());
        if (p.isEmpty()) {
            return new Html(422, "console/sign-in.jte", "Sign in", new Views.SignIn("This token is not valid: it is unknown, revoked or expired."));
        }
        if (!p.get().isAdmin() && !p.get().isViewer()) {
            return new Html(422, "console/sign-in.jte", "Sign in",
                    new Views.SignIn("An application token opens that application's portal, not the console: use the portal link."));
        }
        // A new session every time: a session id planted before sign-in is never promoted.
        x.session().ifPresent(s -> sessions.close(x.request(), x.response(), Sessions.Cookie.CONSOLE, s));
        sessions.open(x.request(), x.response(), p.get());
        return new Redirect("/console/apps");
    }

    private Result signOut(Exchange x) {
        Sessions.Cookie which = Sessions.Cookie.of(x.route());
        sessions.close(x.request(), x.response(), which, x.session().orElseThrow());
        return new Redirect(which == Sessions.Cookie.PORTAL ? PORTAL_SIGNED_OUT : SIGN_IN);
    }

    /**
     * A portal link: its single-use code becomes a portal session (and cookie), then a 303 to
     * the application's endpoints, so that the code leaves the address bar and history. A spent
     * or unknown code is a 404 that asks for a new link.
     */
    private Result enterPortal(Exchange x) {
        Optional<Principal> p = sessions.enter(x.request(), x.response(), x.query("code"));
        if (p.isEmpty()) {
            return problem(404, "This portal link has been used already, has expired or is not known. "
                    + "Portal links work once: ask for a new one from the product that sent you here.");
        }
        return new Redirect("/portal/app/" + encode(p.get().appId()) + "/endpoints");
    }

    private Result apps(Exchange x) {
        String q = x.query("q");
        String iterator = x.query("iterator");
        Page<Application> page = applications.search(q, new PageRequest(PAGE_SIZE, iterator, false));
        String base = "/console/apps?" + (q == null || q.isBlank() ? "" : "q=" + encode(q) + "&") + "iterator=";
        String older = page.done() || page.iterator() == null ? null : base + encode(page.iterator());
        String newer = iterator == null || page.prevIterator() == null ? null : base + encode(page.prevIterator());
        return new Html(200, "console/apps.jte", "Applications",
                new Views.Apps(q == null ? "" : q, page.data(), older, newer, x.principal().isAdmin()));
    }

    /** The server's health at a glance; the numbers are left out (and say so) while the database does not answer. */
    private Result health(Exchange x) {
        Optional<Readiness.NotReady> notReady = herald.readiness().check();
        ServerOverview overview;
        try {
            overview = herald.overview();
        } catch (HeraldException.StoreUnavailable e) {
            overview = null;
        }
        return new Html(200, "console/health.jte", "Server health", new Views.Health(overview, notReady.orElse(null)));
    }

    private Result newAppForm(Exchange x) {
        return new Html(200, "console/app-new.jte", "New application", new Views.AppForm("", "", null, null));
    }

    /** Through the API's own reading and validation ({@link In#application}), so names and messages are the API's. */
    private Result createApp(Exchange x) {
        String name = x.form("name") == null ? "" : x.form("name");
        String uid = x.form("uid") == null ? "" : x.form("uid").strip();
        ObjectNode tree = Json.MAPPER.createObjectNode();
        tree.put("name", name);
        if (!uid.isEmpty()) {
            tree.put("uid", uid);
        }
        try {
            Application app = applications.create(In.application(tree), false).application();
            audit.recordWeb(x.request(), x.principal(), "/console/apps/new", 201, app.id(), Map.of(), app.id(),
                    List.copyOf(tree.propertyNames()));
            return new Redirect("/console/app/" + encode(app.id()));
        } catch (HeraldException.InvalidInput e) {
            return new Html(422, "console/app-new.jte", "New application", new Views.AppForm(name, uid, e.field(), e.reason()));
        } catch (HeraldException.Conflict e) {
            return new Html(409, "console/app-new.jte", "New application", new Views.AppForm(name, uid, e.field(), e.getMessage()));
        }
    }

    private Result app(Exchange x) {
        Application app = applications.get(x.params().get("app_id"));
        Page<Endpoint> eps = endpoints.list(app.id(), new PageRequest(PAGE_SIZE, null, false));
        return new Html(200, "console/app.jte", app.name(), new Views.App(app, eps.data(), !eps.done()));
    }

    static Html problem(int status, String message) {
        String title = switch (status) {
            case 200 -> "Done";
            case 400 -> "Bad request";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Too large";
            case 422 -> "Invalid input";
            case 503 -> "Service unavailable";
            default -> "Error";
        };
        return new Html(status, "problem.jte", title, new Views.Problem(status, title, message));
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The form's fields, strictly decoded (a bad escape, invalid UTF-8 or U+0000 is a 400 naming the field). */
    private static Map<String, List<String>> readForm(Request request) {
        if (!request.getMethod().equals("POST")) {
            return Map.of();
        }
        long declared = request.getLength();
        if (declared > MAX_FORM_BYTES) {
            throw new ApiErrorPage(413, "The form is larger than " + MAX_FORM_BYTES + " bytes.");
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = Bodies.readUpTo(in, MAX_FORM_BYTES + 1, declared);
            if (bytes.length > MAX_FORM_BYTES) {
                throw new ApiErrorPage(413, "The form is larger than " + MAX_FORM_BYTES + " bytes.");
            }
            return Text.query(Text.utf8("body", bytes));
        } catch (IOException e) {
            throw new ApiErrorPage(400, "The form could not be read.");
        }
    }

    /** A refusal found while reading the request, before any route ran. */
    private static final class ApiErrorPage extends RuntimeException {
        final int status;

        ApiErrorPage(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void write(Request request, Response response, Callback callback, String path, Optional<Sessions.Current> session,
                       Result result) {
        if (result instanceof Redirect r) {
            response.setStatus(303);
            response.getHeaders().put(HttpHeader.LOCATION, r.location());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            // The portal's entry link carries its code in the query: no page it leads to may pass it on.
            response.getHeaders().put("Referrer-Policy", "no-referrer");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            callback.succeeded();
            return;
        }
        Html html = (Html) result;
        Sessions.Current s = session.orElse(null);
        Chrome chrome = Chrome.of(path, html.title(), assets.cssPath(), assets.htmxPath(), s == null ? null : s.csrf(),
                s == null ? null : s.principal());
        StringOutput out = new StringOutput();
        templates.render(html.template(), Map.of("chrome", chrome, "view", html.view()), out);
        byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
        headers.put(path, response.getHeaders());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.setStatus(html.status());
        response.write(true, request.getMethod().equals("HEAD") ? null : ByteBuffer.wrap(body), callback);
    }
}
