package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import com.svix.Svix;
import com.svix.SvixOptions;
import com.svix.models.AppPortalAccessIn;
import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application portal in a real browser, entered as a product would send its customer: the
 * link from the Svix Java SDK's {@code appPortalAccess}. Every page is checked by axe-core and
 * must log no CSP refusal or script error ({@link BrowserTest}).
 */
class PortalBrowserTest extends BrowserTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static Svix svix;
    static String billing;
    static String other;
    static String otherEndpoint;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir, Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
        SvixOptions options = new SvixOptions();
        options.setServerUrl(base);
        svix = new Svix(TestHerald.TOKEN, options);
        billing = herald.post("/api/v1/app", "{\"name\":\"Billing\",\"uid\":\"billing\"}", 201).get("id").asString();
        other = herald.post("/api/v1/app", "{\"name\":\"Other\"}", 201).get("id").asString();
        otherEndpoint = herald.post("/api/v1/app/" + other + "/endpoint", "{\"url\":\"https://other.example/\"}", 201)
                .get("id").asString();
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.paid\",\"description\":\"An invoice was paid in full\"}", 201);
        herald.post("/api/v1/event-type", "{\"name\":\"invoice.failed\",\"description\":\"A payment was declined\"}", 201);
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
    }

    /** Pages refused on purpose: a form with an error (422), another application's ids or a spent link (404), after sign-out (403). */
    @Override
    boolean expectedError(String message) {
        return message.contains("status of 422") || message.contains("status of 404") || message.contains("status of 403");
    }

    private void click(AriaRole role, String name) {
        page.getByRole(role, new Page.GetByRoleOptions().setName(name).setExact(true)).click();
    }

    private String revealSecret() {
        click(AriaRole.BUTTON, "Reveal secret");
        PlaywrightAssertions.assertThat(page.locator("#secret-value")).containsText("whsec_");
        return page.locator("#secret-value").textContent();
    }

    @Test
    void thePortal_enteredThroughTheSdksLink_managesItsEndpoints_andNothingElse() throws Exception {
        String link = svix.getAuthentication().appPortalAccess("billing", new AppPortalAccessIn()).getUrl().toString();
        page.navigate(link);
        PlaywrightAssertions.assertThat(page).hasURL(base + "/portal/app/" + billing + "/endpoints");
        assertThat(page.url()).doesNotContain("code");
        Cookie cookie = context.cookies().stream().filter(c -> c.name.equals("herald-portal")).findFirst().orElseThrow();
        assertThat(cookie.httpOnly).isTrue();
        assertThat(cookie.sameSite).isEqualTo(SameSiteAttribute.STRICT);
        assertThat(cookie.path).isEqualTo("/portal");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Endpoints of Billing");
        axe("the endpoints list, empty");

        // Create, with event types from the catalog; a bad filter first.
        click(AriaRole.LINK, "New endpoint");
        page.getByLabel("URL").fill("https://hooks.example.com/billing");
        PlaywrightAssertions.assertThat(page.getByText("An invoice was paid in full")).isVisible();
        page.getByLabel("invoice.paid").check();
        page.getByLabel("Filter").fill("data.amount >");
        click(AriaRole.BUTTON, "Create");
        PlaywrightAssertions.assertThat(page.locator("#filter-error")).containsText("filter");
        PlaywrightAssertions.assertThat(page.getByLabel("Filter")).hasAttribute("aria-invalid", "true");
        PlaywrightAssertions.assertThat(page.getByLabel("Filter")).hasAttribute("aria-describedby", "filter-error");
        PlaywrightAssertions.assertThat(page.getByLabel("invoice.paid")).isChecked();
        axe("the endpoint form with a field error");
        screenshot("portal-endpoint-form");
        page.getByLabel("Filter").fill("data.amount > 10");
        click(AriaRole.BUTTON, "Create");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("https://hooks.example.com/billing");
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("active");
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("invoice.paid");
        PlaywrightAssertions.assertThat(page.getByLabel("invoice.failed")).not().isChecked();
        axe("an endpoint");
        String endpointPath = page.url().substring(base.length());

        // Pause and resume.
        click(AriaRole.BUTTON, "Pause");
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("paused");
        click(AriaRole.BUTTON, "Resume");
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("active");
        String id = endpointPath.substring(endpointPath.lastIndexOf('/') + 1);
        assertThat(herald.get("/api/v1/app/" + billing + "/endpoint/" + id).get("disabled").asBoolean()).isFalse();

        // The form as shown saves as it is (format and signature shown as their specs), and an edit sticks.
        page.getByLabel("Description").fill("Billing's receiver");
        click(AriaRole.BUTTON, "Save");
        PlaywrightAssertions.assertThat(page.getByLabel("Description")).hasValue("Billing's receiver");
        PlaywrightAssertions.assertThat(page.locator(".field-error")).hasCount(0);
        assertThat(herald.get("/api/v1/app/" + billing + "/endpoint/" + id).get("filter").asString()).isEqualTo("data.amount > 10");

        // The secret: shown on a click only, and another after a rotation.
        assertThat(page.content()).doesNotContain("whsec_");
        String first = revealSecret();
        axe("an endpoint with its secret shown");
        click(AriaRole.BUTTON, "Rotate secret");
        PlaywrightAssertions.assertThat(page.locator("#secret-value")).hasCount(0);
        assertThat(revealSecret()).isNotEqualTo(first);

        // Another application's ids: the 404 page.
        for (String path : new String[] {"/portal/app/" + other + "/endpoints",
                "/portal/app/" + billing + "/endpoint/" + otherEndpoint}) {
            Response r = page.navigate(base + path);
            assertThat(r.status()).as(path).isEqualTo(404);
            PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Not found");
            assertThat(page.content()).doesNotContain("other.example");
        }
        axe("the 404 page");

        // The link again: spent.
        Response again = page.navigate(link);
        assertThat(again.status()).isEqualTo(404);
        PlaywrightAssertions.assertThat(page.getByRole(AriaRole.ALERT)).containsText("ask for a new one");

        // Delete, confirmed on a page of its own.
        page.navigate(base + endpointPath);
        click(AriaRole.LINK, "Delete…");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Delete endpoint");
        axe("the delete confirmation");
        click(AriaRole.BUTTON, "Delete");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Endpoints of Billing");
        PlaywrightAssertions.assertThat(page.locator(".empty")).containsText("No endpoints yet");

        // Sign out: the session is gone.
        click(AriaRole.BUTTON, "Sign out");
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Signed out");
        assertThat(context.cookies().stream().filter(c -> c.name.equals("herald-portal"))).isEmpty();
        Response after = page.navigate(base + "/portal/app/" + billing + "/endpoints");
        assertThat(after.status()).isEqualTo(403);
    }
}
