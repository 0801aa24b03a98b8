package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import io.herald.e2e.TestHerald;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser: Debian's chromium driven by Playwright (never a downloaded
 * browser, see {@link TestBrowser}), against Herald on SQLite. Every page is checked by axe-core
 * (from the test class path, WCAG 2 A and AA) and must log no CSP refusal or script error.
 */
class ConsoleBrowserTest {
    /** The WebJar's script; its version is the pom's axe-core.version, handed over by surefire. */
    static final String AXE = "META-INF/resources/webjars/axe-core/" + System.getProperty("axe.version") + "/axe.min.js";

    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static String axeSource;

    BrowserContext context;
    Page page;
    final List<String> console = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        try (InputStream in = ConsoleBrowserTest.class.getClassLoader().getResourceAsStream(AXE)) {
            assertThat(in).as("axe-core on the test class path (org.webjars.npm:axe-core): " + AXE).isNotNull();
            axeSource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        herald = TestHerald.sqlite(dir, Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
        herald.post("/api/v1/app", "{\"name\":\"Billing\",\"uid\":\"billing\"}", 201);
        herald.post("/api/v1/app", "{\"name\":\"Shipping\"}", 201);
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
    }

    @BeforeEach
    void openPage() {
        context = TestBrowser.get().newContext(new Browser.NewContextOptions().setViewportSize(1280, 800).setLocale("en-US").setTimezoneId("UTC"));
        page = context.newPage();
        page.onConsoleMessage(m -> console.add(m.type() + ": " + m.text()));
        page.onPageError(e -> console.add("pageerror: " + e));
    }

    @AfterEach
    void closePage() {
        context.close();
        // A refused form answers 422, which the browser logs as a failed load: that one is expected.
        assertThat(console).as("console messages (CSP refusals, script errors, failed loads)")
                .noneMatch(m -> m.contains("Refused to") || m.contains("Content Security Policy") || m.startsWith("pageerror")
                        || m.startsWith("error") && !m.contains("status of 422"));
    }

    /** Runs axe-core on the page as it is; fails on any WCAG 2 A/AA violation, naming rule and elements. */
    void axe(String what) {
        // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> would be refused).
        page.evaluate("() => { " + axeSource + "\n; window.axe = axe; }");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) page.evaluate("""
                async () => {
                  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
                  return {passes: r.passes.length,
                          violations: r.violations.map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))};
                }""");
        assertThat(((Number) result.get("passes")).intValue()).as("axe-core checked " + what).isPositive();
        List<?> violations = (List<?>) result.get("violations");
        assertThat(violations).as("axe-core violations on " + what).isEmpty();
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
}
