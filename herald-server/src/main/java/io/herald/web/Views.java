package io.herald.web;

import io.herald.Json;
import io.herald.Readiness;
import io.herald.metrics.ServerOverview;
import io.herald.app.Application;
import io.herald.attempt.Attempt;
import io.herald.message.Message;
import java.time.Instant;
import io.herald.endpoint.Endpoint;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/** What the pages show, one record per page. Public only because the compiled templates live in another package. */
public final class Views {
    private Views() {}

    /**
     * The console's home: the server's health at a glance. {@code overview} is null when the
     * database did not answer; {@code notReady} null when this node is ready, else why not.
     */
    public record Health(ServerOverview overview, Readiness.NotReady notReady) {
        /** A count as text; one that stopped at the cap reads "1,000,000 or more". */
        public String count(long n) {
            return String.format(java.util.Locale.ROOT, "%,d", n) + (ServerOverview.capped(n) ? " or more" : "");
        }

        /** A duration as text, to the second: "0 s", "42 s", "3 min 5 s", "2 h 0 min". */
        public String age(long millis) {
            long s = millis / 1000;
            return s < 60 ? s + " s" : s < 3600 ? s / 60 + " min " + s % 60 + " s" : s / 3600 + " h " + s % 3600 / 60 + " min";
        }
    }

    /** The sign-in form; {@code error} is shown above it when the last try failed. */
    public record SignIn(String error) {}

    /**
     * The applications list: {@code q} as searched, {@code older}/{@code newer} the links to the
     * next and previous pages (null when there is none).
     */
    public record Apps(String q, List<Application> apps, String older, String newer, boolean canCreate) {}

    /** The new-application form as filled in, and the field that was refused with why. */
    public record AppForm(String name, String uid, String errorField, String error) {
        public boolean nameError() {
            return "name".equals(errorField);
        }

        public boolean uidError() {
            return "uid".equals(errorField);
        }

        /** A refusal that names neither field (shown above the form). */
        public boolean otherError() {
            return error != null && !nameError() && !uidError();
        }
    }

    /** One application with the first of its endpoints. */
    public record App(Application app, List<Endpoint> endpoints, boolean moreEndpoints) {}

    /** An error page. */
    public record Problem(int status, String title, String message) {}

    /**
     * An endpoint in a list: its state as a reader says it (active, failing, circuit open,
     * disabled with the reason Herald gave, or paused when someone disabled it).
     */
    public record EndpointRow(String id, String url, String description, String types, String state, String detail) {
        static EndpointRow of(Endpoint e) {
            String types = e.filterTypes() == null ? "all event types" : String.join(", ", new TreeSet<>(e.filterTypes()));
            var h = e.health();
            String state;
            String detail = null;
            if (e.disabled()) {
                state = h.disabledReason() == null ? "paused" : "disabled";
                detail = h.disabledReason() == null ? "disabled by a user" : h.disabledReason();
            } else if (h.open()) {
                state = "circuit open";
                detail = h.failures() + " failures in a row" + (h.lastError() == null ? "" : "; last: " + h.lastError());
            } else if (h.failures() > 0) {
                state = "failing";
                detail = h.failures() + (h.failures() == 1 ? " failure" : " failures") + (h.lastError() == null ? "" : "; last: " + h.lastError());
            } else {
                state = "active";
            }
            return new EndpointRow(e.id(), e.url(), e.description(), types, state, detail);
        }
    }

    /** The endpoints of an application; {@code console} when shown in the console (with a way back to the application). */
    public record EndpointList(Application app, String base, List<EndpointRow> endpoints, String older, boolean canWrite,
                               boolean console) {
        /** The operational webhook endpoints' list rather than an application's. */
        public boolean operational() {
            return base.equals(AppPages.OPERATIONAL);
        }
}

    /** The event-type catalog: one page, archived ones too when {@code archived}. */
    public record EventTypeList(List<io.herald.eventtype.EventType> types, boolean archived, String older, String newer,
                                boolean canWrite) {
        public String path(String name) {
            return CatalogPages.path(name);
        }
    }

    /** The event-type form's fields as text, as shown or as sent; the JSON ones pretty-printed. */
    public record EventTypeFields(String name, String description, String schemas, String example) {
        static final EventTypeFields EMPTY = new EventTypeFields("", "", "", "");

        static EventTypeFields of(io.herald.eventtype.EventType t) {
            return new EventTypeFields(t.name(), t.description() == null ? "" : t.description(), pretty(t.schemas()),
                    pretty(t.example()));
        }

        static EventTypeFields from(Map<String, List<String>> form) {
            return new EventTypeFields(EndpointFields.one(form, "name"), EndpointFields.one(form, "description"),
                    EndpointFields.one(form, "schemas"), EndpointFields.one(form, "example"));
        }

        private static String pretty(JsonNode n) {
            return n == null || n.isNull() ? "" : Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        }
    }

    /** An event type's page: the form (new when {@code type} is null), its state, and what may be done. */
    public record EventTypePage(io.herald.eventtype.EventType type, EventTypeFields fields, FieldError error, boolean canWrite,
                                boolean saved) {
        private static final Collection<String> FIELDS = List.of("name", "description", "schemas", "example");

        /** The message for form field {@code name}, or null. */
        public String errorOn(String name) {
            return error != null && name.equals(error.formField()) ? error.field() + " " + error.message() : null;
        }

        /** A refusal that names none of the form's fields (shown above the form). */
        public String otherError() {
            return error != null && !FIELDS.contains(error.formField()) ? (error.field() == null ? "" : error.field() + " ")
                    + error.message() : null;
        }

        public String action() {
            return type == null ? CatalogPages.LIST + "/new" : CatalogPages.path(type.name());
        }
    }

    /** An event type of the catalog, offered in the endpoint form. */
    public record TypeChoice(String name, String description, boolean chosen) {}

    /** The endpoint form's fields as text, as shown or as sent. */
    public record EndpointFields(String url, String description, Set<String> eventTypes, String channels, String format,
                                 String filter, String signature, String retry, String timeoutMs, String headers) {
        static EndpointFields empty() {
            return new EndpointFields("", "", Set.of(), "", "", "", "", "", "", "");
        }

        /** As the endpoint is; header values are not shown (they may be credentials): empty keeps them. */
        static EndpointFields of(Endpoint e) {
            var p = e.policy();
            return new EndpointFields(e.url(), e.description() == null ? "" : e.description(),
                    e.filterTypes() == null ? Set.of() : new TreeSet<>(e.filterTypes()),
                    e.channels() == null ? "" : String.join(", ", new TreeSet<>(e.channels())),
                    specText(p.format().spec()), p.filter() == null ? "" : p.filter(), specText(p.signature().spec()),
                    p.retry() == null ? "" : specText(p.retry().spec()), p.timeoutMs() == null ? "" : p.timeoutMs().toString(), "");
        }

        static EndpointFields from(Map<String, List<String>> form) {
            List<String> types = form.getOrDefault("filterTypes", List.of());
            return new EndpointFields(one(form, "url"), one(form, "description"), new TreeSet<>(types), one(form, "channels"),
                    one(form, "format"), one(form, "filter"), one(form, "signature"), one(form, "retry"), one(form, "timeoutMs"),
                    one(form, "headers"));
        }

        static String one(Map<String, List<String>> form, String name) {
            List<String> v = form.get(name);
            return v == null || v.isEmpty() ? "" : v.get(0);
        }

        private static String specText(Object spec) {
            JsonNode n = spec == null ? null : Json.MAPPER.valueToTree(spec);
            if (n == null || n.isNull()) {
                return "";
            }
            return n.isString() ? n.asString() : n.toString();
        }
    }

    /** A refusal of the form: {@code field} as the API named it ({@code retry.delays}, {@code url}, …). */
    public record FieldError(String field, String message) {
        static FieldError of(String field, String message) {
            return message == null ? null : new FieldError(field, message);
        }

        /** The form field the refusal belongs to: the API name's first part; both names of the event types are one. */
        String formField() {
            if (field == null) {
                return null;
            }
            String first = field.split("[.\\[]", 2)[0];
            return first.equals("eventTypes") ? "filterTypes" : first;
        }
    }

    /** The endpoint page: the form (new when {@code endpoint} is null), the state, and what may be done. */
    public record EndpointPage(Application app, String base, Endpoint endpoint, EndpointRow row, EndpointFields fields,
                               List<TypeChoice> catalog, FieldError error, boolean canWrite, TestPanel test) {
        /** An operational webhook endpoint (no channels, no test event) rather than an application's. */
        public boolean operational() {
            return base.equals(AppPages.OPERATIONAL);
        }

        /** The page with its test-event part (an existing endpoint's page only). */
        EndpointPage withTest(TestPanel t) {
            return new EndpointPage(app, base, endpoint, row, fields, catalog, error, canWrite, t);
        }

        private static final Collection<String> FIELDS = List.of("url", "description", "filterTypes", "channels", "format",
                "filter", "signature", "retry", "timeoutMs", "headers");

        /** The message for form field {@code name}, or null. */
        public String errorOn(String name) {
            return error != null && name.equals(error.formField()) ? error.field() + " " + error.message() : null;
        }

        /** A refusal that names none of the form's fields (shown above the form). */
        public String otherError() {
            return error != null && !FIELDS.contains(error.formField()) ? (error.field() == null ? "" : error.field() + " ")
                    + error.message() : null;
        }

        public String action() {
            return endpoint == null ? base + "/endpoints/new" : base + "/endpoint/" + WebHandler.encode(endpoint.id());
        }

        public String endpointPath() {
            return endpoint == null ? null : base + "/endpoint/" + WebHandler.encode(endpoint.id());
        }
    }

    /** The delete confirmation. */
    public record EndpointDelete(Application app, String base, Endpoint endpoint, boolean canWrite) {
        public String endpointPath() {
            return base + "/endpoint/" + WebHandler.encode(endpoint.id());
        }
    }

    /** A revealed signing secret (an htmx fragment). */
    public record Secret(String key) {}

    /**
     * An endpoint page's test event: the catalog's names, the one chosen and its example as
     * Herald would send it; {@code recoveryTask} the id of a recovery just started, else null.
     */
    public record TestPanel(List<String> types, String type, String example, String recoveryTask) {}

    /** A log's filters as the form sent them (empty when not set), and the dates they name. */
    public record LogFilter(String status, String eventType, String after, String before, Instant afterInstant,
                            Instant beforeInstant) {}

    /** The messages log: newest first, {@code older} the next page's link or null. */
    public record MessageLog(Application app, String base, LogFilter filter, List<String> types, List<Message> messages,
                             String older, boolean console) {}

    /** The attempts log. */
    public record AttemptLog(Application app, String base, LogFilter filter, List<String> types, List<AttemptRow> attempts,
                             String older, boolean console) {}

    /** An attempt in a list: its outcome as words, the HTTP status (0: no response) and how long it took. */
    public record AttemptRow(String id, String msgId, String endpointId, String url, String status, int code, long durationMs,
                             Instant timestamp, String error, String response, boolean manual) {
        static AttemptRow of(Attempt a) {
            String status = switch (a.status()) {
                case Attempt.SUCCESS -> "succeeded";
                case Attempt.FAIL -> "failed";
                case Attempt.SENDING -> "sending";
                default -> "pending";
            };
            return new AttemptRow(a.id(), a.msgId(), a.endpointId(), a.url(), status, a.responseStatusCode(),
                    a.responseDurationMs(), a.timestamp(), a.error(), a.response(), a.triggerType() == 1);
        }

        /** Its page, under an application's {@code base}. */
        public String path(String base) {
            return base + "/msg/" + WebHandler.encode(msgId) + "/attempt/" + WebHandler.encode(id);
        }

        public String httpStatus() {
            return code == 0 ? "no response" : Integer.toString(code);
        }
    }

    /** A message, its attempts (the newest 250; {@code more} when there are others) and the endpoints they went to (id → URL). */
    public record MessagePage(Application app, String base, Message message, List<AttemptRow> attempts, boolean more,
                              Map<String, String> endpoints, boolean canWrite) {
        public String path() {
            return base + "/msg/" + WebHandler.encode(message.id());
        }
    }

    /** One attempt: the request Herald sent and the response it got, as far as stored. */
    public record AttemptPage(Application app, String base, AttemptRow row, Attempt attempt) {
        public String messagePath() {
            return base + "/msg/" + WebHandler.encode(attempt.msgId());
        }
    }

    /** A test event's first attempt (an htmx fragment): {@code row} null while there is none, and then {@code poll} asks again. */
    public record TestAttempt(String base, String msgId, String poll, AttemptRow row) {
        public String messagePath() {
            return base + "/msg/" + WebHandler.encode(msgId);
        }
    }
}
