package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's home, the server's health at a glance: after a small load on a failing and a
 * healthy endpoint, each number on the page is what the database holds (asked here with SQL of
 * the test's own), as text in a table row headed by what it counts; for a viewer too.
 */
class HealthPageHttpTest {
    @TempDir
    Path dir;
    TestHerald herald;
    final LoopbackReceiver receiver = new LoopbackReceiver();

    @AfterEach
    void stop() {
        receiver.close();
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void home_showsQueueEndpointsAndTheLastMinutesAttempts_asTheDatabaseHoldsThem_andReadiness() {
        herald = TestHerald.sqlite(dir, Map.of());
        ConsoleHttpTest.base = "http://127.0.0.1:" + herald.server.port();
        receiver.script("/down", Reply.status(500), Reply.status(500), Reply.status(500));
        String app = herald.post("/api/v1/app", "{\"name\": \"Shop\"}", 201).get("id").asString();
        herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\":\"" + receiver.url("/down") + "\"}", 201);
        herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\":\"" + receiver.url("/ok") + "\"}", 201);
        herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\":\"" + receiver.url("/off") + "\",\"disabled\":true}", 201);
        for (int i = 0; i < 3; i++) {
            String msg = herald.post("/api/v1/app/" + app + "/msg", "{\"eventType\":\"order.paid\",\"payload\":{\"n\":" + i + "}}", 201)
                    .get("id").asString();
            herald.awaitAttempts(app, msg, 2);
        }
        herald.advance(Duration.ofSeconds(1)); // past the attempts' millisecond: all of them are in the window

        String cookie = ConsoleHttpTest.signIn(ConsoleHttpTest.base);
        HttpResponse<String> r = ConsoleHttpTest.get("/console/", cookie);
        assertThat(r.statusCode()).isEqualTo(200);
        String page = r.body();
        assertThat(page).contains("<strong>Ready</strong>");
        assertThat(number(page, "pending")).isEqualTo(sql("SELECT COUNT(*) FROM delivery WHERE status = 'pending'")).isEqualTo(3);
        assertThat(number(page, "held")).isEqualTo(sql("SELECT COUNT(*) FROM delivery WHERE status = 'held'")).isZero();
        assertThat(number(page, "failing")).isEqualTo(sql("SELECT COUNT(*) FROM endpoint WHERE NOT disabled AND failures > 0"))
                .isEqualTo(1);
        assertThat(number(page, "active")).isEqualTo(1);
        assertThat(number(page, "disabled")).isEqualTo(sql("SELECT COUNT(*) FROM endpoint WHERE disabled")).isEqualTo(1);
        assertThat(number(page, "circuit-open")).isEqualTo(sql("SELECT COUNT(*) FROM endpoint WHERE circuit_until IS NOT NULL"));
        assertThat(number(page, "succeeded")).isEqualTo(sql("SELECT COUNT(*) FROM attempt WHERE status = 0")).isEqualTo(3);
        assertThat(number(page, "failed")).isEqualTo(sql("SELECT COUNT(*) FROM attempt WHERE status = 2")).isEqualTo(3);
        assertThat(page).containsPattern("<th scope=\"row\">Deliveries pending</th><td id=\"pending\">3</td>");

        // A minute on, the attempts have left the window and the retries are overdue.
        herald.advance(Duration.ofSeconds(60));
        String later = ConsoleHttpTest.get("/console/", cookie).body();
        assertThat(number(later, "succeeded") + number(later, "failed")).isZero();
        long overdue = herald.clock.millis() - sql("SELECT MIN(next_attempt_at) FROM delivery WHERE status = 'pending'");
        assertThat(later).contains("<td id=\"oldest-due\">" + overdue / 1000 + " s</td>");

        String viewer = ConsoleHttpTest.signIn(ConsoleHttpTest.base,
                herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        assertThat(ConsoleHttpTest.get("/console/", viewer).body()).as("a viewer sees it too").contains("<td id=\"failing\">1</td>");
        assertThat(ConsoleHttpTest.get("/console/", null).headers().firstValue("Location")).as("signed out")
                .contains("/console/sign-in");
    }

    private long sql(String query) {
        return herald.server.herald().store().read(h -> h.createQuery(query).mapTo(Long.class).one());
    }

    private static long number(String page, String id) {
        Matcher m = Pattern.compile("<td id=\"" + id + "\">([0-9,]+)</td>").matcher(page);
        assertThat(m.find()).as("the page shows %s", id).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }
}
