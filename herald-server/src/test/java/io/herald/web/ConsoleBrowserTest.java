package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser: Debian's chromium driven by Playwright (never a downloaded
 * browser, see {@link TestBrowser}), against Herald on SQLite. Every page is checked by axe-core
 * (see {@link BrowserTest}) and must log no CSP refusal or script error.
 */
class ConsoleBrowserTest extends BrowserTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static String shipping;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir, Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
        herald.post("/api/v1/app", "{\"name\":\"Billing\",\"uid\":\"billing\"}", 201);
        shipping = herald.post("/api/v1/app", "{\"name\":\"Shipping\"}", 201).get("id").asString();
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
    }

    void signIn() {
        page.navigate(base + "/console/sign-in");
        page.getByLabel("API token").fill(TestHerald.TOKEN);
        page.getByRole(AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Sign in")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Applications");
    }

    @Test
    void signIn_withABadToken_saysSo_andWithTheAdminToken_setsAStrictHttpOnlyCookie() {
        page.navigate(base + "/");
        PlaywrightAssertions.assertThat(page).hasURL(base + "/console/sign-in");
        axe("the sign-in page");

        page.getByLabel("API token").fill("not-a-token");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        PlaywrightAssertions.assertThat(page.getByRole(AriaRole.ALERT))
                .containsText("This token is not valid");
        PlaywrightAssertions.assertThat(page.getByLabel("API token")).hasAttribute("aria-invalid", "true");
        axe("the sign-in page with its error");
        assertThat(context.cookies()).isEmpty();

        signIn();
        Cookie cookie = context.cookies().stream().filter(c -> c.name.equals("herald-console")).findFirst().orElseThrow();
        assertThat(cookie.httpOnly).isTrue();
        assertThat(cookie.sameSite).isEqualTo(SameSiteAttribute.STRICT);
        assertThat(cookie.secure).as("plain HTTP").isFalse();
        assertThat(page.evaluate("() => document.cookie")).as("scripts cannot read it").isEqualTo("");
    }

    @Test
    void applications_listSearchCreateOpen_thenSignOut() {
        signIn();
        PlaywrightAssertions.assertThat(page.locator("table.list tbody tr")).hasCount(2);
        axe("the applications list");
        screenshot("console-apps");

        page.getByLabel("Search by name or uid").fill("bill");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
        PlaywrightAssertions.assertThat(page).hasURL(base + "/console/apps?q=bill");
        PlaywrightAssertions.assertThat(page.locator("table.list tbody tr")).hasCount(1);
        PlaywrightAssertions.assertThat(page.locator("table.list tbody")).containsText("Billing");

        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New application")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("New application");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.locator("#name-error")).isVisible();
        PlaywrightAssertions.assertThat(page.getByLabel("Name")).hasAttribute("aria-invalid", "true");
        axe("the new-application form with a field error");

        page.getByLabel("Name").fill("Payments <EU>");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Payments <EU>");
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("Endpoints");
        axe("an application");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Sign in");
        assertThat(context.cookies()).isEmpty();
        page.navigate(base + "/console/apps");
        PlaywrightAssertions.assertThat(page).hasURL(base + "/console/sign-in");
    }

    @Test
    void anEventTypeMadeInTheCatalog_isOfferedWithItsDescription_inTheEndpointForm_andOperationalWebhooksAreManaged() {
        signIn();
        page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Console"))
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Event types")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Event types");
        axe("the event-type catalog");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New event type")).click();
        page.getByLabel("Name").fill("parcel.delivered");
        page.getByLabel("Description").fill("A parcel reached its addressee");
        page.getByLabel("Schemas").fill("{\"1\": {\"type\": \"nope\"}}");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.getByLabel("Schemas")).hasAttribute("aria-describedby", "schemas-error");
        PlaywrightAssertions.assertThat(page.locator("#schemas-error")).isVisible();
        axe("the new-event-type form with a field error");
        page.getByLabel("Schemas").fill("{\"1\": {\"type\": \"object\"}}");
        page.getByLabel("Example").fill("{\"parcel\": \"p_1\"}");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("parcel.delivered");
        axe("an event type");
        screenshot("console-event-type");

        page.navigate(base + "/console/app/" + shipping + "/endpoints/new");
        Locator choice = page.locator(".choice").filter(new Locator.FilterOptions().setHas(page.getByLabel("parcel.delivered")));
        PlaywrightAssertions.assertThat(choice).containsText("A parcel reached its addressee");
        page.getByLabel("URL").fill("https://hooks.example.com/parcels");
        page.getByLabel("parcel.delivered").check();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("parcel.delivered");

        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Operational webhooks")).click();
        PlaywrightAssertions.assertThat(page.locator("h1")).hasText("Operational webhooks");
        axe("the operational webhooks");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New endpoint")).click();
        page.getByLabel("URL").fill("https://ops.example.com/hook");
        page.getByLabel("endpoint.disabled").check();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create")).click();
        PlaywrightAssertions.assertThat(page.locator(".facts")).containsText("endpoint.disabled");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Reveal secret")).click();
        PlaywrightAssertions.assertThat(page.locator("#secret-value")).containsText("whsec_");
        axe("an operational webhook endpoint");
    }
}
