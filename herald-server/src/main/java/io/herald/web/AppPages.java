package io.herald.web;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.api.AuditTrail;
import io.herald.api.In;
import io.herald.api.Router.Access;
import io.herald.app.Application;
import io.herald.app.Applications;
import io.herald.auth.Principal;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.EndpointIn;
import io.herald.endpoint.Endpoints;
import io.herald.endpoint.OperationalEndpoints;
import io.herald.operational.OperationalEvents;
import io.herald.eventtype.EventType;
import io.herald.eventtype.EventTypes;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.web.WebHandler.Exchange;
import io.herald.web.WebHandler.Html;
import io.herald.web.WebHandler.Redirect;
import io.herald.web.WebHandler.Result;
import io.herald.web.WebHandler.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One application's pages, mounted twice: under {@code /portal/app/{app_id}/…} for a portal
 * session (its own application only) and under {@code /console/app/{app_id}/…} for the
 * console's admins and viewers. Who may do what is the API's answer for the same principal
 * ({@link io.herald.api.Authorizer}): the routes carry the API's {@link Access}, forms are read
 * into the API's JSON and checked by {@link In#endpoint}, and pause/resume change what the
 * API's PATCH of {@code disabled} would. Viewers and read-only tokens get no forms.
 */
final class AppPages {
    private static final List<String> MOUNTS = List.of("/console", "/portal");
    /** Where the operational webhook endpoints' pages are. */
    static final String OPERATIONAL = "/console/operational";
    /** What the pages call the reserved application of the operational endpoints. */
    private static final Application OPERATIONAL_APP = new Application(OperationalEvents.APP_ID, null, "Herald operational webhooks",
            null, Map.of(), null, null);
    /** The form's fields whose text may be JSON (an object or list) or a plain word, as the API takes them. */
    private static final List<String> SPEC_FIELDS = List.of("format", "signature", "retry");

    private final Applications applications;
    private final Endpoints endpoints;
    private final OperationalEndpoints operational;
    private final EventTypes eventTypes;
    private final AuditTrail audit;
    private final LogPages logs;

    AppPages(Herald herald, AuditTrail audit) {
        this.logs = new LogPages(herald, audit, this);
        this.applications = herald.applications();
        this.endpoints = herald.endpoints();
        this.operational = herald.operationalEndpoints();
        this.eventTypes = herald.eventTypes();
        this.audit = audit;
    }

    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        add(r, "GET", "/endpoints", Access.APPLICATION, this::list);
        add(r, "GET", "/endpoints/new", Access.APPLICATION, this::newForm);
        add(r, "POST", "/endpoints/new", Access.APPLICATION, this::create);
        add(r, "GET", "/endpoint/{endpoint_id}", Access.APPLICATION, this::show);
        add(r, "POST", "/endpoint/{endpoint_id}", Access.APPLICATION, this::update);
        add(r, "POST", "/endpoint/{endpoint_id}/pause", Access.APPLICATION, x -> setDisabled(x, true));
        add(r, "POST", "/endpoint/{endpoint_id}/resume", Access.APPLICATION, x -> setDisabled(x, false));
        add(r, "GET", "/endpoint/{endpoint_id}/delete", Access.APPLICATION, this::confirmDelete);
        add(r, "POST", "/endpoint/{endpoint_id}/delete", Access.APPLICATION, this::delete);
        add(r, "GET", "/endpoint/{endpoint_id}/secret", Access.APPLICATION_CREDENTIALS, this::secret);
        add(r, "POST", "/endpoint/{endpoint_id}/secret/rotate", Access.APPLICATION, this::rotate);
        logs.routes(r);
        return r;
    }

    /**
     * Herald's operational webhook endpoints, under {@link #OPERATIONAL}: the same endpoint pages
     * on {@link OperationalEndpoints}, with the API's access for its operational routes (admins;
     * viewers read, but not the secret). No logs or test events: those are the API's too.
     */
    List<Route> operationalRoutes() {
        List<Route> r = new ArrayList<>();
        addOperational(r, "GET", "/endpoints", Access.ADMIN, this::list);
        addOperational(r, "GET", "/endpoints/new", Access.ADMIN, this::newForm);
        addOperational(r, "POST", "/endpoints/new", Access.ADMIN, this::create);
        addOperational(r, "GET", "/endpoint/{endpoint_id}", Access.ADMIN, this::show);
        addOperational(r, "POST", "/endpoint/{endpoint_id}", Access.ADMIN, this::update);
        addOperational(r, "POST", "/endpoint/{endpoint_id}/pause", Access.ADMIN, x -> setDisabled(x, true));
        addOperational(r, "POST", "/endpoint/{endpoint_id}/resume", Access.ADMIN, x -> setDisabled(x, false));
        addOperational(r, "GET", "/endpoint/{endpoint_id}/delete", Access.ADMIN, this::confirmDelete);
        addOperational(r, "POST", "/endpoint/{endpoint_id}/delete", Access.ADMIN, this::delete);
        addOperational(r, "GET", "/endpoint/{endpoint_id}/secret", Access.ADMIN_ONLY, this::secret);
        addOperational(r, "POST", "/endpoint/{endpoint_id}/secret/rotate", Access.ADMIN, this::rotate);
        return r;
    }

    private static void addOperational(List<Route> r, String method, String tail, Access access, WebHandler.Action action) {
        r.add(new Route(method, new UriTemplatePathSpec(OPERATIONAL + tail), access, action));
    }

    static void add(List<Route> r, String method, String tail, Access access, WebHandler.Action action) {
        for (String mount : MOUNTS) {
            r.add(new Route(method, new UriTemplatePathSpec(mount + "/app/{app_id}" + tail), access, action));
        }
    }

    /** Whose endpoints a page shows: an application's ({@link Endpoints}) or the operational ones ({@link OperationalEndpoints}). */
    interface Owner {
        Page<Endpoint> list(PageRequest page);

        Endpoint create(EndpointIn in);

        Endpoint get(String id);

        void update(String id, EndpointIn in);

        void delete(String id);

        String secret(String id);

        void rotateSecret(String id);
    }

    /**
     * The application of the page (its id checked for a portal session; an admin may name it by
     * uid), its endpoints, the links' base, and the application the audit log names (none for
     * the operational endpoints, as for the API's operational routes).
     */
    record Scope(Application app, String base, boolean canWrite, Owner owner, String auditApp) {
        boolean operational() {
            return auditApp == null;
        }
    }

    Scope scope(Exchange x) {
        Principal p = x.principal();
        if (x.route().startsWith(OPERATIONAL + "/")) {
            return new Scope(OPERATIONAL_APP, OPERATIONAL, p.isAdmin(), new Owner() {
                public Page<Endpoint> list(PageRequest page) { return operational.list(page); }
                public Endpoint create(EndpointIn in) { return operational.create(in); }
                public Endpoint get(String id) { return operational.get(id); }
                public void update(String id, EndpointIn in) { operational.update(id, in); }
                public void delete(String id) { operational.delete(id); }
                public String secret(String id) { return operational.secret(id); }
                public void rotateSecret(String id) { operational.rotateSecret(id, null, Endpoints.DEFAULT_ROTATION_OVERLAP); }
            }, null);
        }
        Application app = applications.get(x.params().get("app_id"));
        String mount = x.route().startsWith("/portal") ? "/portal" : "/console";
        boolean canWrite = p.isAdmin() || (p.appId() != null && !p.readOnly());
        String id = app.id();
        return new Scope(app, mount + "/app/" + WebHandler.encode(id), canWrite, new Owner() {
            public Page<Endpoint> list(PageRequest page) { return endpoints.list(id, page); }
            public Endpoint create(EndpointIn in) { return endpoints.create(id, in); }
            public Endpoint get(String ep) { return endpoints.get(id, ep); }
            public void update(String ep, EndpointIn in) { endpoints.update(id, ep, in); }
            public void delete(String ep) { endpoints.delete(id, ep); }
            public String secret(String ep) { return endpoints.secret(id, ep); }
            public void rotateSecret(String ep) { endpoints.rotateSecret(id, ep, null, Endpoints.DEFAULT_ROTATION_OVERLAP); }
        }, id);
    }

    private Result list(Exchange x) {
        Scope s = scope(x);
        Page<Endpoint> page = s.owner().list(new PageRequest(WebHandler.PAGE_SIZE, x.query("iterator"), false));
        String older = page.done() || page.iterator() == null ? null : s.base() + "/endpoints?iterator=" + WebHandler.encode(page.iterator());
        return new Html(200, "app/endpoints.jte", "Endpoints", new Views.EndpointList(s.app(), s.base(),
                page.data().stream().map(Views.EndpointRow::of).toList(), older, s.canWrite(), x.route().startsWith("/console")));
    }

    private Result newForm(Exchange x) {
        Scope s = scope(x);
        return form(200, s, null, Views.EndpointFields.empty(), null, null);
    }

    private Result create(Exchange x) {
        Scope s = scope(x);
        Views.EndpointFields fields = Views.EndpointFields.from(x.form());
        try {
            ObjectNode tree = tree(fields, true);
            Endpoint ep = s.owner().create(In.endpoint(tree));
            audit.recordWeb(x.request(), x.principal(), x.route(), 201, s.auditApp(), x.params(), ep.id(), List.copyOf(tree.propertyNames()));
            return new Redirect(s.base() + "/endpoint/" + WebHandler.encode(ep.id()));
        } catch (HeraldException.InvalidInput e) {
            return form(422, s, null, fields, e.field(), e.reason());
        } catch (HeraldException.Conflict e) {
            return form(409, s, null, fields, e.field(), e.getMessage());
        }
    }

    private Result show(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        Html page = form(200, s, ep, Views.EndpointFields.of(ep), null, null);
        if (s.operational()) {
            return page;
        }
        return new Html(200, page.template(), page.title(), ((Views.EndpointPage) page.view()).withTest(logs.testPanel(x, s, ep)));
    }

    /** As the API's PATCH with the form's fields: what the form does not show (metadata, rate limit, …) is kept. */
    private Result update(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        Views.EndpointFields fields = Views.EndpointFields.from(x.form());
        try {
            ObjectNode tree = tree(fields, false);
            s.owner().update(ep.id(), In.endpointPatched(ep, tree));
            audit.recordWeb(x.request(), x.principal(), x.route(), 200, s.auditApp(), x.params(), ep.id(), List.copyOf(tree.propertyNames()));
            return new Redirect(s.base() + "/endpoint/" + WebHandler.encode(ep.id()));
        } catch (HeraldException.InvalidInput e) {
            return form(422, s, ep, fields, e.field(), e.reason());
        } catch (HeraldException.Conflict e) {
            return form(409, s, ep, fields, e.field(), e.getMessage());
        }
    }

    private Result setDisabled(Exchange x, boolean disabled) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        ObjectNode patch = Json.MAPPER.createObjectNode().put("disabled", disabled);
        s.owner().update(ep.id(), In.endpointPatched(ep, patch));
        audit.recordWeb(x.request(), x.principal(), x.route(), 200, s.auditApp(), x.params(), ep.id(), List.of("disabled"));
        return new Redirect(s.base() + "/endpoint/" + WebHandler.encode(ep.id()));
    }

    private Result confirmDelete(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        return new Html(200, "app/endpoint-delete.jte", "Delete endpoint", new Views.EndpointDelete(s.app(), s.base(), ep, s.canWrite()));
    }

    private Result delete(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        s.owner().delete(ep.id());
        audit.recordWeb(x.request(), x.principal(), x.route(), 204, s.auditApp(), x.params(), ep.id(), List.of());
        return new Redirect(s.base() + "/endpoints");
    }

    /** The signing secret, as a fragment for htmx to put in place; only on a click, never in the page. */
    private Result secret(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        return new Html(200, "app/secret.jte", "Signing secret", new Views.Secret(s.owner().secret(ep.id())));
    }

    private Result rotate(Exchange x) {
        Scope s = scope(x);
        Endpoint ep = s.owner().get(x.params().get("endpoint_id"));
        s.owner().rotateSecret(ep.id());
        audit.recordWeb(x.request(), x.principal(), x.route(), 204, s.auditApp(), x.params(), ep.id(), List.of());
        return new Redirect(s.base() + "/endpoint/" + WebHandler.encode(ep.id()) + "?rotated=1");
    }

    private Html form(int status, Scope s, Endpoint ep, Views.EndpointFields fields, String errorField, String error) {
        List<Views.TypeChoice> catalog = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        if (s.operational()) {
            for (String t : new java.util.TreeSet<>(OperationalEvents.TYPES)) {
                known.add(t);
                catalog.add(new Views.TypeChoice(t, null, fields.eventTypes().contains(t)));
            }
        } else {
            for (EventType t : eventTypes.list(new PageRequest(PageRequest.MAX_LIMIT, null, false), false).data()) {
                known.add(t.name());
                catalog.add(new Views.TypeChoice(t.name(), t.description(), fields.eventTypes().contains(t.name())));
            }
        }
        // Chosen before, but no longer in the catalog (archived, or a wildcard): still shown, still chosen.
        for (String chosen : fields.eventTypes()) {
            if (!known.contains(chosen)) {
                catalog.add(new Views.TypeChoice(chosen, "not in the catalog", true));
            }
        }
        String title = ep == null ? "New endpoint" : "Endpoint";
        return new Html(status, "app/endpoint.jte", title, new Views.EndpointPage(s.app(), s.base(), ep,
                ep == null ? null : Views.EndpointRow.of(ep), fields, catalog, Views.FieldError.of(errorField, error), s.canWrite(), null));
    }

    /**
     * The form as the API's JSON. Empty fields are null (the default; on an edit, cleared), but
     * for headers on an edit, where empty keeps the current ones (their values are not shown).
     */
    static ObjectNode tree(Views.EndpointFields f, boolean create) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("url", f.url().strip());
        t.put("description", f.description());
        if (f.eventTypes().isEmpty()) {
            t.putNull("filterTypes");
        } else {
            ArrayNode a = t.putArray("filterTypes");
            f.eventTypes().forEach(a::add);
        }
        List<String> channels = words(f.channels());
        if (channels.isEmpty()) {
            t.putNull("channels");
        } else {
            ArrayNode a = t.putArray("channels");
            channels.forEach(a::add);
        }
        Map<String, String> text = new LinkedHashMap<>();
        text.put("format", f.format());
        text.put("signature", f.signature());
        text.put("retry", f.retry());
        for (String field : SPEC_FIELDS) {
            t.set(field, spec(field, text.get(field)));
        }
        t.put("filter", f.filter().isBlank() ? null : f.filter());
        if (f.timeoutMs().isBlank()) {
            t.putNull("timeoutMs");
        } else {
            // Left to In.endpoint: a number it takes, anything else it refuses naming timeoutMs.
            String v = f.timeoutMs().strip();
            t.set("timeoutMs", v.matches("-?[0-9]{1,18}") ? Json.MAPPER.getNodeFactory().numberNode(Long.parseLong(v))
                    : Json.MAPPER.getNodeFactory().stringNode(v));
        }
        if (!f.headers().isBlank() || create) {
            t.set("headers", headers(f.headers()));
        }
        return t;
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.split("[,\\s]+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** A spec field: JSON when it looks like JSON (an object, list or string), else the word itself. */
    private static JsonNode spec(String field, String text) {
        String v = text.strip();
        if (v.isEmpty()) {
            return Json.MAPPER.nullNode();
        }
        if (v.startsWith("{") || v.startsWith("[") || v.startsWith("\"")) {
            try {
                return Json.read(v);
            } catch (RuntimeException e) {
                throw new HeraldException.InvalidInput(field, "is not valid JSON");
            }
        }
        return Json.MAPPER.getNodeFactory().stringNode(v);
    }

    /** One header a line, {@code Name: value}. */
    private static JsonNode headers(String text) {
        ObjectNode h = Json.MAPPER.createObjectNode();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HeraldException.InvalidInput("headers", "line " + (i + 1) + " must be Name: value");
            }
            h.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        return h;
    }
}
