package io.herald.web;

import static io.herald.web.ConsoleHttpTest.csrfOf;
import static io.herald.web.ConsoleHttpTest.post;
import static io.herald.web.PortalHttpTest.enterPortal;
import static io.herald.web.PortalHttpTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application's logs and test events over plain HTTP: filters and paging, the attempt page
 * escaping what a receiver answered and masking custom header values, other applications' ids,
 * and CSRF on resend and recover.
 */
class LogPagesHttpTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static LoopbackReceiver receiver;
    static String base;
    static String appId;
    static String otherApp;
    static String okEndpoint;
    static String failingEndpoint;
    static String cookie;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir, Map.of());
        receiver = new LoopbackReceiver();
        receiver.script("/hostile", Reply.delayed(Duration.ofMillis(400), Reply.status(200,
                Map.of("X-Evil", "<script>alert('h')</script>"), "<script>alert('b')</script>")));
        receiver.script("/failing", Reply.status(500, Map.of(), "down"));
        receiver.fallback(Reply.status(200, Map.of(), "ok"));
        base = "http://127.0.0.1:" + herald.server.port();
        appId = herald.post("/api/v1/app", "{\"name\": \"Tenant\"}", 201).get("id").asString();
        otherApp = herald.post("/api/v1/app", "{\"name\": \"Other\"}", 201).get("id").asString();
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.paid\",\"description\":\"Paid\",\"example\":{\"amount\":10}}", 201);
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.failed\",\"description\":\"Declined\"}", 201);
        okEndpoint = herald.post("/api/v1/app/" + appId + "/endpoint", "{\"url\":\"" + receiver.url("/hostile")
                + "\",\"filterTypes\":[\"invoice.paid\"],\"headers\":{\"X-Api-Key\":\"key-in-clear-123\"}}", 201).get("id").asString();
        failingEndpoint = herald.post("/api/v1/app/" + appId + "/endpoint", "{\"url\":\"" + receiver.url("/failing")
                + "\",\"filterTypes\":[\"invoice.failed\"]}", 201).get("id").asString();
        cookie = enterPortal(herald, base, appId, "{}");
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private static String publish(String app, String type) {
        return herald.post("/api/v1/app/" + app + "/msg", "{\"eventType\":\"" + type + "\",\"payload\":{\"n\":1}}", 201)
                .get("id").asString();
    }

    private static String page(String path) {
        HttpResponse<String> r = get(base, path, cookie);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    private static int rows(String html) {
        return html.split("<tr>", -1).length - 2;
    }

    @Test
    void aTestEvent_isPolledForUntilItsAttemptIsThere_andItsAttemptPageEscapesTheResponse_andMasksCustomHeaders() {
        String p = "/portal/app/" + appId;
        String endpointPage = page(p + "/endpoint/" + okEndpoint + "?test_type=invoice.paid");
        assertThat(endpointPage).contains("{\"amount\":10}").contains("Send test event");
        String csrf = csrfOf(endpointPage);

        // From htmx: the fragment that polls (the receiver answers after 400 ms), until the attempt is there.
        HttpResponse<String> sent = post(base, p + "/endpoint/" + okEndpoint + "/test", cookie,
                Map.of("csrf", csrf, "eventType", "invoice.paid"), "HX-Request", "true");
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).contains("hx-trigger=\"every 1s\"").doesNotContain("<html");
        String poll = sent.body().replaceAll("(?s).*hx-get=\"([^\"]+)\".*", "$1");
        String msg = poll.substring(poll.lastIndexOf('/') + 1);
        herald.awaitAttempts(appId, msg, 1);
        String done = page(poll);
        assertThat(done).doesNotContain("hx-trigger").contains("succeeded").contains("HTTP 200")
                .contains("&lt;script&gt;alert('b')&lt;/script&gt;").doesNotContain("<script>alert");

        // Without JavaScript: the message's page.
        HttpResponse<String> plain = post(base, p + "/endpoint/" + okEndpoint + "/test", cookie,
                Map.of("csrf", csrf, "eventType", "invoice.paid"));
        assertThat(plain.statusCode()).isEqualTo(303);
        assertThat(plain.headers().firstValue("Location").orElseThrow()).startsWith(p + "/msg/msg_");

        // The attempt: what was sent (custom header masked) and what came back, escaped.
        String attemptPath = done.replaceAll("(?s).*href=\"([^\"]+/attempt/[^\"]+)\".*", "$1");
        String attempt = page(attemptPath);
        assertThat(attempt).contains("<td>X-Api-Key</td><td><code>********</code>").doesNotContain("key-in-clear-123").contains("webhook-signature")
                .contains("{\"amount\":10}")
                .contains("<pre class=\"body\" id=\"response-body\">&lt;script&gt;alert('b')&lt;/script&gt;</pre>")
                .contains("<td>X-Evil</td><td><code>&lt;script&gt;alert('h')&lt;/script&gt;</code>")
                .doesNotContain("<script>alert");
    }

    @Test
    void theLogs_filterByStatusTypeAndDate_andPageOlder_keepingTheFilters() {
        String failed = publish(appId, "invoice.failed");
        String paid = publish(appId, "invoice.paid");
        herald.awaitAttempts(appId, failed, 1);
        herald.awaitAttempts(appId, paid, 1);
        for (int i = 0; i < 51; i++) {
            publish(appId, "order.created");
        }
        String p = "/portal/app/" + appId;

        String failedOnly = page(p + "/attempts?status=failed");
        assertThat(failedOnly).contains(receiver.url("/failing")).doesNotContain(receiver.url("/hostile"))
                .contains("<option value=\"failed\" selected>");
        String succeededOnly = page(p + "/attempts?status=succeeded&event_type=invoice.paid");
        assertThat(succeededOnly).contains(receiver.url("/hostile")).doesNotContain(receiver.url("/failing"));

        String first = page(p + "/messages?event_type=order.created");
        assertThat(rows(first)).isEqualTo(50);
        assertThat(first).doesNotContain(failed).doesNotContain(paid);
        String older = first.replaceAll("(?s).*href=\"([^\"]+)\" rel=\"next\".*", "$1").replace("&amp;", "&");
        assertThat(older).contains("event_type=order.created").contains("iterator=");
        String second = page(older);
        assertThat(rows(second)).isEqualTo(1);
        assertThat(second).doesNotContain("rel=\"next\"");

        String now = LocalDateTime.ofInstant(herald.clock.instant(), ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).toString();
        String tomorrow = LocalDateTime.ofInstant(herald.clock.instant().plus(Duration.ofDays(1)), ZoneOffset.UTC)
                .truncatedTo(ChronoUnit.MINUTES).toString();
        assertThat(page(p + "/messages?event_type=invoice.failed&after=" + tomorrow)).contains("No messages match");
        assertThat(page(p + "/messages?event_type=invoice.failed&before=" + tomorrow + "&after=" + now.substring(0, 10)))
                .contains(failed);
        HttpResponse<String> bad = get(base, p + "/attempts?after=yesterday", cookie);
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("after");
        assertThat(get(base, p + "/attempts?status=maybe", cookie).statusCode()).isEqualTo(422);
    }

    @Test
    void anotherApplicationsIds_areNotFound() {
        String theirs = publish(otherApp, "invoice.paid");
        String p = "/portal/app/" + appId;
        assertThat(get(base, p + "/msg/" + theirs, cookie).statusCode()).isEqualTo(404);
        assertThat(get(base, p + "/msg/" + theirs + "/attempt/atmpt_x", cookie).statusCode()).isEqualTo(404);
        assertThat(get(base, "/portal/app/" + otherApp + "/messages", cookie).statusCode()).isEqualTo(404);
        assertThat(get(base, "/portal/app/" + otherApp + "/attempts", cookie).statusCode()).isEqualTo(404);
        String csrf = csrfOf(page(p + "/endpoint/" + okEndpoint));
        assertThat(post(base, p + "/msg/" + theirs + "/endpoint/" + okEndpoint + "/resend", cookie, Map.of("csrf", csrf))
                .statusCode()).isEqualTo(404);
    }

    @Test
    void theConsole_showsTheSameLogs_andAViewer_readsThemWithoutForms() {
        String msg = publish(appId, "invoice.failed");
        herald.awaitAttempts(appId, msg, 1);
        String admin = ConsoleHttpTest.signIn(base);
        String c = "/console/app/" + appId;
        assertThat(get(base, c + "/attempts?status=failed", admin).body()).contains(receiver.url("/failing"));
        assertThat(get(base, c + "/msg/" + msg, admin).body()).contains("Resend to");

        String viewer = ConsoleHttpTest.signIn(base, herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        HttpResponse<String> page = get(base, c + "/msg/" + msg, viewer);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains(msg).doesNotContain("Resend to");
        assertThat(get(base, c + "/endpoint/" + failingEndpoint, viewer).body()).doesNotContain("Send test event")
                .doesNotContain("/recover");
        String csrf = csrfOf(page.body());
        assertThat(post(base, c + "/msg/" + msg + "/endpoint/" + failingEndpoint + "/resend", viewer, Map.of("csrf", csrf))
                .statusCode()).isEqualTo(403);
        assertThat(herald.get("/api/v1/app/" + appId + "/attempt/msg/" + msg).get("data")).hasSize(1);
    }

    @Test
    void resendAndRecover_withoutTheCsrfToken_areRefused_andDoNothing() {
        String msg = publish(appId, "invoice.failed");
        herald.awaitAttempts(appId, msg, 1);
        String p = "/portal/app/" + appId;
        String messagePage = page(p + "/msg/" + msg);
        assertThat(messagePage).contains("Resend to " + receiver.url("/failing"));
        String csrf = csrfOf(messagePage);
        String resend = p + "/msg/" + msg + "/endpoint/" + failingEndpoint + "/resend";
        int tasks = herald.get("/api/v1/background-task").get("data").size();

        assertThat(post(base, resend, cookie, Map.of()).statusCode()).isEqualTo(403);
        assertThat(post(base, resend, cookie, Map.of("csrf", csrf + "x")).statusCode()).isEqualTo(403);
        String recover = p + "/endpoint/" + failingEndpoint + "/recover";
        assertThat(post(base, recover, cookie, Map.of("since", "2026-01-01T00:00")).statusCode()).isEqualTo(403);
        assertThat(herald.get("/api/v1/background-task").get("data").size()).isEqualTo(tasks);

        assertThat(post(base, resend, cookie, Map.of("csrf", csrf)).statusCode()).isEqualTo(303);
        assertThat(herald.awaitAttempts(appId, msg, 2)).hasSize(2);
        String since = LocalDateTime.ofInstant(herald.clock.instant().minus(Duration.ofHours(1)), ZoneOffset.UTC)
                .truncatedTo(ChronoUnit.MINUTES).toString();
        HttpResponse<String> started = post(base, recover, cookie, Map.of("csrf", csrf, "since", since));
        assertThat(started.statusCode()).isEqualTo(303);
        assertThat(started.headers().firstValue("Location").orElseThrow()).contains("recovery=");
        assertThat(herald.get("/api/v1/background-task").get("data").size()).isEqualTo(tasks + 1);
        assertThat(page(started.headers().firstValue("Location").orElseThrow())).contains("Recovery started");
        assertThat(herald.get("/api/v1/app/" + appId + "/attempt/msg/" + msg).get("data")).hasSize(2);
    }
}
