package io.herald.web;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.Json;
import io.herald.api.AuditTrail;
import io.herald.api.In;
import io.herald.api.Router.Access;
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
import java.util.List;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The console's event-type catalog ({@code /console/event-types}, {@code /console/event-type/{name}}):
 * the API's {@link Access#ADMIN} routes' engine calls, with forms read into the API's JSON and
 * checked by {@link In#eventType}; an edit is the API's PATCH ({@link In#eventTypePatched}),
 * archive is its DELETE without expunge, unarchive a PATCH of {@code archived}. Viewers read.
 */
final class CatalogPages {
    static final String LIST = "/console/event-types";
    private static final String ONE = "/console/event-type/";

    private final EventTypes eventTypes;
    private final AuditTrail audit;

    CatalogPages(Herald herald, AuditTrail audit) {
        this.eventTypes = herald.eventTypes();
        this.audit = audit;
    }

    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(new Route("GET", PathSpec.from(LIST), Access.ADMIN, this::list));
        r.add(new Route("GET", PathSpec.from(LIST + "/new"), Access.ADMIN, this::newForm));
        r.add(new Route("POST", PathSpec.from(LIST + "/new"), Access.ADMIN, this::create));
        r.add(new Route("GET", new UriTemplatePathSpec(ONE + "{name}"), Access.ADMIN, this::show));
        r.add(new Route("POST", new UriTemplatePathSpec(ONE + "{name}"), Access.ADMIN, this::update));
        r.add(new Route("POST", new UriTemplatePathSpec(ONE + "{name}/archive"), Access.ADMIN, x -> archive(x, true)));
        r.add(new Route("POST", new UriTemplatePathSpec(ONE + "{name}/unarchive"), Access.ADMIN, x -> archive(x, false)));
        return r;
    }

    static String path(String name) {
        return ONE + WebHandler.encode(name);
    }

    private Result list(Exchange x) {
        boolean archived = "1".equals(x.query("archived"));
        String iterator = x.query("iterator");
        Page<EventType> page = eventTypes.list(new PageRequest(WebHandler.PAGE_SIZE, iterator, false), archived);
        String base = LIST + "?" + (archived ? "archived=1&" : "") + "iterator=";
        String older = page.done() || page.iterator() == null ? null : base + WebHandler.encode(page.iterator());
        String newer = iterator == null || page.prevIterator() == null ? null : base + WebHandler.encode(page.prevIterator());
        return new Html(200, "console/event-types.jte", "Event types",
                new Views.EventTypeList(page.data(), archived, older, newer, x.principal().isAdmin()));
    }

    private Result newForm(Exchange x) {
        return form(200, x, null, Views.EventTypeFields.EMPTY, null, null);
    }

    private Result create(Exchange x) {
        Views.EventTypeFields fields = Views.EventTypeFields.from(x.form());
        try {
            ObjectNode tree = tree(fields);
            tree.put("name", fields.name().strip());
            EventType t = eventTypes.create(In.eventType(tree));
            audit.recordWeb(x.request(), x.principal(), x.route(), 201, null, x.params(), t.name(), List.copyOf(tree.propertyNames()));
            return new Redirect(path(t.name()));
        } catch (HeraldException.InvalidInput e) {
            return form(422, x, null, fields, e.field(), e.reason());
        } catch (HeraldException.Conflict e) {
            return form(409, x, null, fields, e.field(), e.getMessage());
        }
    }

    private Result show(Exchange x) {
        EventType t = eventTypes.get(x.params().get("name"));
        return form(200, x, t, Views.EventTypeFields.of(t), null, null);
    }

    /** As the API's PATCH with the form's fields: what the form does not show (flags, group, …) is kept. */
    private Result update(Exchange x) {
        EventType t = eventTypes.get(x.params().get("name"));
        Views.EventTypeFields fields = Views.EventTypeFields.from(x.form());
        try {
            ObjectNode tree = tree(fields);
            eventTypes.upsert(t.name(), In.eventTypePatched(t, tree));
            audit.recordWeb(x.request(), x.principal(), x.route(), 200, null, x.params(), t.name(), List.copyOf(tree.propertyNames()));
            return new Redirect(path(t.name()) + "?saved=1");
        } catch (HeraldException.InvalidInput e) {
            return form(422, x, t, fields, e.field(), e.reason());
        }
    }

    private Result archive(Exchange x, boolean archive) {
        EventType t = eventTypes.get(x.params().get("name"));
        if (archive) {
            eventTypes.delete(t.name(), false);
            audit.recordWeb(x.request(), x.principal(), x.route(), 204, null, x.params(), t.name(), List.of());
        } else {
            eventTypes.upsert(t.name(), In.eventTypePatched(t, Json.MAPPER.createObjectNode().put("archived", false)));
            audit.recordWeb(x.request(), x.principal(), x.route(), 200, null, x.params(), t.name(), List.of("archived"));
        }
        return new Redirect(path(t.name()));
    }

    private Html form(int status, Exchange x, EventType t, Views.EventTypeFields fields, String errorField, String error) {
        return new Html(status, "console/event-type.jte", t == null ? "New event type" : "Event type " + t.name(),
                new Views.EventTypePage(t, fields, Views.FieldError.of(errorField, error), x.principal().isAdmin(),
                        "1".equals(x.query("saved"))));
    }

    /** The form as the API's JSON: empty fields are null (cleared on an edit), JSON fields parsed. */
    private static ObjectNode tree(Views.EventTypeFields f) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("description", f.description());
        t.set("schemas", json("schemas", f.schemas()));
        t.set("example", json("example", f.example()));
        return t;
    }

    private static JsonNode json(String field, String text) {
        if (text.isBlank()) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.read(text.strip());
        } catch (RuntimeException e) {
            throw new HeraldException.InvalidInput(field, "is not valid JSON");
        }
    }
}
