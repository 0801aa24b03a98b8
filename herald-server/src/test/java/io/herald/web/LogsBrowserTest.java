package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portal's test event and logs in a real browser: send a test event and see its attempt
 * appear without a reload, filter the attempts by status, open an attempt's request (a custom
 * header's value masked) and response, resend. Every page passes axe-core and logs no CSP
 * refusal or script error ({@link BrowserTest}).
 */
@TestMethodOrder(MethodOrderer.MethodName.class) // the health page (and its screenshot) after the load of the first
class LogsBrowserTest extends BrowserTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static LoopbackReceiver receiver;
    static String base;
    static String app;
    static String endpoint;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir, Map.of());
        receiver = new LoopbackReceiver();
        // Answers late, so that the page first shows the test message waiting for its attempt.
        receiver.script("/ok", Reply.delayed(Duration.ofMillis(300), Reply.status(200, Map.of("X-Receiver", "yes"), "thanks")));
        receiver.fallback(Reply.status(503, Map.of(), "down for maintenance"));
        base = "http://127.0.0.1:" + herald.server.port();
        app = herald.post("/api/v1/app", "{\"name\":\"Billing\"}", 201).get("id").asString();
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.paid\",\"description\":\"Paid\",\"example\":{\"amount\":42}}", 201);
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.failed\",\"description\":\"Declined\",\"example\":{\"amount\":7}}", 201);
        endpoint = herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\":\"" + receiver.url("/ok")
                + "\",\"filterTypes\":[\"invoice.paid\"],\"headers\":{\"X-Api-Key\":\"key-in-clear-123\"}}", 201).get("id").asString();
        herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\":\"" + receiver.url("/down")
                + "\",\"filterTypes\":[\"invoice.failed\"]}", 201);
        String failed = herald.post("/api/v1/app/" + app + "/msg", "{\"eventType\":\"invoice.failed\",\"payload\":{\"amount\":7}}", 201)
                .get("id").asString();
        herald.awaitAttempts(app, failed, 1);
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

    private void click(AriaRole role, String name) {
        page.getByRole(role, new Page.GetByRoleOptions().setName(name).setExact(true)).click();
    }

    @Test
    void aTestEvent_itsAttempt_theFilteredLogs_andAResend() {
        page.navigate(herald.post("/api/v1/auth/app-portal-access/" + app, "{}", 200).get("url").asString());
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(2);
        screenshot("portal-endpoints");
        page.navigate(base + "/portal/app/" + app + "/endpoint/" + endpoint);

        // Choose an event type, see its example, send it: the attempt appears without a reload.
        page.getByLabel("Event type").selectOption("invoice.paid");
        click(AriaRole.BUTTON, "Show example");
        PlaywrightAssertions.assertThat(page.locator("#example")).hasText("{\"amount\":42}");
        axe("an endpoint with its test event");
        String before = page.url();
        click(AriaRole.BUTTON, "Send test event");
        Locator result = page.locator("#test-attempt");
        PlaywrightAssertions.assertThat(result).containsText("waiting for the first attempt");
        PlaywrightAssertions.assertThat(result).containsText("succeeded");
        PlaywrightAssertions.assertThat(result).containsText("HTTP 200");
        PlaywrightAssertions.assertThat(result.locator("[hx-trigger]")).hasCount(0);
        assertThat(page.url()).isEqualTo(before);
        axe("an endpoint with its test event's attempt");

        // Its request and response; the custom header's value is masked.
        result.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Request and response")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).containsText("Attempt atmpt_");
        Locator requestHeaders = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Request headers"));
        PlaywrightAssertions.assertThat(requestHeaders).containsText("X-Api-Key");
        PlaywrightAssertions.assertThat(requestHeaders).containsText("********");
        PlaywrightAssertions.assertThat(requestHeaders).containsText("webhook-signature");
        assertThat(page.content()).doesNotContain("key-in-clear-123");
        PlaywrightAssertions.assertThat(page.locator("#request-body")).hasText("{\"amount\":42}");
        PlaywrightAssertions.assertThat(page.locator("#response-status")).hasText("200");
        PlaywrightAssertions.assertThat(page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Response headers")))
                .containsText("X-Receiver");
        PlaywrightAssertions.assertThat(page.locator("#response-body")).hasText("thanks");
        axe("an attempt");
        screenshot("portal-attempt");

        // The attempts, filtered by status.
        click(AriaRole.LINK, "Attempts");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Attempts of Billing");
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(2);
        axe("the attempts log");
        page.getByLabel("Status").selectOption("failed");
        click(AriaRole.BUTTON, "Filter");
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(1);
        PlaywrightAssertions.assertThat(page.locator("tbody")).containsText(receiver.url("/down"));
        PlaywrightAssertions.assertThat(page.locator("tbody")).containsText("503");
        assertThat(page.url()).contains("status=failed");
        PlaywrightAssertions.assertThat(page.getByLabel("Status")).hasValue("failed");

        // The failed attempt's message, resent.
        page.locator("tbody").getByRole(AriaRole.LINK).click();
        PlaywrightAssertions.assertThat(page.locator("#response-body")).hasText("down for maintenance");
        page.locator(".crumbs").getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Message")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).containsText("Message msg_");
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(1);
        axe("a message");
        click(AriaRole.BUTTON, "Resend to " + receiver.url("/down"));
        PlaywrightAssertions.assertThat(page.locator("h1")).containsText("Message msg_");
        String path = page.url().replaceAll("[?].*", "");
        herald.awaitAttempts(app, path.substring(path.lastIndexOf('/') + 1), 2);
        page.reload();
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(2);
        PlaywrightAssertions.assertThat(page.locator("tbody")).containsText("manual");

        // The messages log.
        click(AriaRole.LINK, "Messages");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Messages of Billing");
        PlaywrightAssertions.assertThat(page.locator("tbody tr")).hasCount(2);
        axe("the messages log");
    }

    /** The console's home after that load: readiness and the numbers as text, in tables axe-core passes. */
    @Test
    void theConsolesHealthPage_showsTheLoad() {
        page.navigate(base + "/console/sign-in");
        page.getByLabel("API token").fill(TestHerald.TOKEN);
        click(AriaRole.BUTTON, "Sign in");
        click(AriaRole.LINK, "Health");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Server health");
        PlaywrightAssertions.assertThat(page.locator("#readiness")).containsText("Ready");
        PlaywrightAssertions.assertThat(page.locator("#failing")).hasText("1");
        PlaywrightAssertions.assertThat(page.locator("#disabled")).hasText("0");
        axe("the server health page");
        screenshot("console-health");
    }
}
