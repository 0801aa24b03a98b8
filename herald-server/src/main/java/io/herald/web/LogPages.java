package io.herald.web;

import io.herald.Herald;
import io.herald.HeraldException;
import io.herald.api.AuditTrail;
import io.herald.api.Router.Access;
import io.herald.attempt.Attempt;
import io.herald.attempt.AttemptQuery;
import io.herald.attempt.Attempts;
import io.herald.endpoint.Endpoint;
import io.herald.eventtype.EventType;
import io.herald.eventtype.EventTypes;
import io.herald.message.Message;
import io.herald.message.MessageQuery;
import io.herald.message.Messages;
import io.herald.store.Page;
import io.herald.store.PageRequest;
import io.herald.task.BackgroundTask;
import io.herald.task.BackgroundTasks;
import io.herald.web.AppPages.Scope;
import io.herald.web.WebHandler.Exchange;
import io.herald.web.WebHandler.Html;
import io.herald.web.WebHandler.Redirect;
import io.herald.web.WebHandler.Result;
import io.herald.web.WebHandler.Route;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An application's logs and what acts on them, beside {@link AppPages} and mounted as it is:
 * the messages and attempts lists (newest first, filtered by a GET form, "Older" pages through
 * the API's iterators), a message with its attempts and a resend per endpoint, an attempt with
 * the request Herald sent and the response it got, the endpoint page's test event (sent, then
 * its first attempt polled for by htmx) and recovery since a date. The routes carry the API's
 * {@link Access} for the same operations, so viewers read and portal sessions stay in their
 * application; writes are audited under the page's route.
 */
final class LogPages {
    private final Messages messages;
    private final Attempts attempts;
    private final EventTypes eventTypes;
    private final BackgroundTasks tasks;
    private final AuditTrail audit;
    private final AppPages pages;

    LogPages(Herald herald, AuditTrail audit, AppPages pages) {
        this.messages = herald.messages();
        this.attempts = herald.attempts();
        this.eventTypes = herald.eventTypes();
        this.tasks = herald.tasks();
        this.audit = audit;
        this.pages = pages;
    }

    void routes(List<Route> r) {
        AppPages.add(r, "GET", "/messages", Access.APPLICATION, this::messages);
        AppPages.add(r, "GET", "/attempts", Access.APPLICATION, this::attempts);
        AppPages.add(r, "GET", "/msg/{msg_id}", Access.APPLICATION, this::message);
        AppPages.add(r, "GET", "/msg/{msg_id}/attempt/{attempt_id}", Access.APPLICATION, this::attempt);
        AppPages.add(r, "POST", "/msg/{msg_id}/endpoint/{endpoint_id}/resend", Access.APPLICATION, this::resend);
        AppPages.add(r, "POST", "/endpoint/{endpoint_id}/test", Access.APPLICATION, this::sendTest);
        AppPages.add(r, "GET", "/endpoint/{endpoint_id}/test/{msg_id}", Access.APPLICATION, this::testAttempt);
        AppPages.add(r, "POST", "/endpoint/{endpoint_id}/recover", Access.APPLICATION, this::recover);
    }

    /** The endpoint page's test-event part: the catalog, the chosen type's example, and a started recovery. */
    Views.TestPanel testPanel(Exchange x, Scope s, Endpoint ep) {
        List<String> types = catalog();
        String type = x.query("test_type");
        if (type == null || !types.contains(type)) {
            type = types.isEmpty() ? null : types.get(0);
        }
        String example = null;
        if (type != null) {
            try {
                example = eventTypes.example(type, 0);
            } catch (HeraldException e) {
                example = null;
            }
        }
        String task = x.query("recovery");
        return new Views.TestPanel(types, type, example, task);
    }

    private List<String> catalog() {
        List<String> names = new ArrayList<>();
        for (EventType t : eventTypes.list(new PageRequest(PageRequest.MAX_LIMIT, null, false), false).data()) {
            names.add(t.name());
        }
        return names;
    }

    private Result messages(Exchange x) {
        Scope s = pages.scope(x);
        Views.LogFilter f = filter(x, false);
        Page<Message> page = messages.list(s.app().id(), new MessageQuery(types(f), null, null, f.beforeInstant(), f.afterInstant()),
                new PageRequest(WebHandler.PAGE_SIZE, x.query("iterator"), true));
        return new Html(200, "app/messages.jte", "Messages", new Views.MessageLog(s.app(), s.base(), f, catalog(), page.data(),
                older(s.base() + "/messages", f, page), x.route().startsWith("/console")));
    }

    private Result attempts(Exchange x) {
        Scope s = pages.scope(x);
        Views.LogFilter f = filter(x, true);
        Integer status = switch (f.status()) {
            case "succeeded" -> Attempt.SUCCESS;
            case "failed" -> Attempt.FAIL;
            default -> null;
        };
        Page<Attempt> page = attempts.byApplication(s.app().id(),
                new AttemptQuery(status, null, f.beforeInstant(), f.afterInstant(), null, null, null, types(f)),
                new PageRequest(WebHandler.PAGE_SIZE, x.query("iterator"), true));
        return new Html(200, "app/attempts.jte", "Attempts", new Views.AttemptLog(s.app(), s.base(), f, catalog(),
                page.data().stream().map(Views.AttemptRow::of).toList(), older(s.base() + "/attempts", f, page),
                x.route().startsWith("/console")));
    }

    private Result message(Exchange x) {
        Scope s = pages.scope(x);
        Message m = messages.get(s.app().id(), x.params().get("msg_id"));
        Page<Attempt> page = attempts.byMessage(s.app().id(), m.id(), AttemptQuery.ALL,
                new PageRequest(PageRequest.MAX_LIMIT, null, true));
        Map<String, String> endpoints = new LinkedHashMap<>();
        for (Attempt a : page.data()) {
            endpoints.putIfAbsent(a.endpointId(), a.url());
        }
        return new Html(200, "app/message.jte", "Message", new Views.MessagePage(s.app(), s.base(), m,
                page.data().stream().map(Views.AttemptRow::of).toList(), !page.done(), endpoints, s.canWrite()));
    }

    private Result attempt(Exchange x) {
        Scope s = pages.scope(x);
        Attempt a = attempts.get(s.app().id(), x.params().get("msg_id"), x.params().get("attempt_id"));
        return new Html(200, "app/attempt.jte", "Attempt", new Views.AttemptPage(s.app(), s.base(), Views.AttemptRow.of(a), a));
    }

    private Result resend(Exchange x) {
        Scope s = pages.scope(x);
        Message m = messages.get(s.app().id(), x.params().get("msg_id"));
        messages.resend(s.app().id(), m.id(), x.params().get("endpoint_id"));
        audit.recordWeb(x.request(), x.principal(), x.route(), 202, s.app().id(), x.params(), m.id(), List.of());
        return new Redirect(s.base() + "/msg/" + WebHandler.encode(m.id()) + "?resent=1");
    }

    /**
     * Sends the chosen type's example to the endpoint. From htmx (not a boosted page load) the
     * answer is the fragment that polls for the first attempt; without JavaScript, the message's page.
     */
    private Result sendTest(Exchange x) {
        Scope s = pages.scope(x);
        String endpointId = x.params().get("endpoint_id");
        String type = x.form("eventType");
        if (type == null || type.isBlank()) {
            throw new HeraldException.InvalidInput("eventType", "is required: choose an event type");
        }
        Messages.Published sent = messages.sendExample(s.app().id(), endpointId, type.strip(), 0);
        audit.recordWeb(x.request(), x.principal(), x.route(), 202, s.app().id(), x.params(), sent.message().id(), List.of("eventType"));
        var headers = x.request().getHeaders();
        if (headers.get("HX-Request") != null && headers.get("HX-Boosted") == null) {
            return testFragment(s, endpointId, sent.message().id());
        }
        return new Redirect(s.base() + "/msg/" + WebHandler.encode(sent.message().id()));
    }

    /** The test message's first attempt, or (while there is none) the fragment that asks again in a second. */
    private Result testAttempt(Exchange x) {
        Scope s = pages.scope(x);
        return testFragment(s, x.params().get("endpoint_id"), messages.get(s.app().id(), x.params().get("msg_id")).id());
    }

    private Html testFragment(Scope s, String endpointId, String msgId) {
        Page<Attempt> page = attempts.byMessage(s.app().id(), msgId, new AttemptQuery(null, endpointId, null, null),
                new PageRequest(1, null, true));
        Views.AttemptRow row = page.data().isEmpty() ? null : Views.AttemptRow.of(page.data().get(0));
        String poll = s.base() + "/endpoint/" + WebHandler.encode(endpointId) + "/test/" + WebHandler.encode(msgId);
        return new Html(200, "app/test-attempt.jte", "Test event", new Views.TestAttempt(s.base(), msgId, poll, row));
    }

    private Result recover(Exchange x) {
        Scope s = pages.scope(x);
        String endpointId = x.params().get("endpoint_id");
        Instant since = instant("since", x.form("since"));
        if (since == null) {
            throw new HeraldException.InvalidInput("since", "is required");
        }
        BackgroundTask task = tasks.recover(s.app().id(), endpointId, since, null);
        audit.recordWeb(x.request(), x.principal(), x.route(), 202, s.app().id(), x.params(), task.id(), List.of("since"));
        return new Redirect(s.base() + "/endpoint/" + WebHandler.encode(endpointId) + "?recovery=" + WebHandler.encode(task.id()));
    }

    private static Set<String> types(Views.LogFilter f) {
        return f.eventType().isEmpty() ? null : Set.of(f.eventType());
    }

    /** The filter form as sent; dates checked here (a bad one is a 422 naming the field). */
    private static Views.LogFilter filter(Exchange x, boolean withStatus) {
        String status = text(x.query("status"));
        if (!withStatus || !(status.equals("succeeded") || status.equals("failed"))) {
            if (withStatus && !status.isEmpty()) {
                throw new HeraldException.InvalidInput("status", "must be succeeded or failed");
            }
            status = "";
        }
        String after = text(x.query("after"));
        String before = text(x.query("before"));
        return new Views.LogFilter(status, text(x.query("event_type")), after, before, instant("after", after),
                instant("before", before));
    }

    private static String text(String s) {
        return s == null ? "" : s.strip();
    }

    /** A date and time as a datetime-local field sends it (UTC), a date, or an ISO instant; empty is null. */
    static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            if (v.endsWith("Z") || v.matches(".*[+-][0-9]{2}:[0-9]{2}$")) {
                return java.time.OffsetDateTime.parse(v).toInstant();
            }
            if (v.contains("T")) {
                return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
            }
            return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new HeraldException.InvalidInput(field, "must be a date and time in UTC, such as 2026-12-03T08:00");
        }
    }

    /** The next page's link, with the filters kept; null on the last page. */
    private static String older(String path, Views.LogFilter f, Page<?> page) {
        if (page.done() || page.iterator() == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(path).append('?');
        Map<String, String> q = new LinkedHashMap<>();
        q.put("status", f.status());
        q.put("event_type", f.eventType());
        q.put("after", f.after());
        q.put("before", f.before());
        q.forEach((k, v) -> {
            if (!v.isEmpty()) {
                b.append(k).append('=').append(WebHandler.encode(v)).append('&');
            }
        });
        return b.append("iterator=").append(WebHandler.encode(page.iterator())).toString();
    }
}
