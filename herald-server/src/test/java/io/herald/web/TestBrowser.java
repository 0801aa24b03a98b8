package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one Playwright and the one chromium of the test JVM, started by the first browser test
 * that asks and closed when the JVM ends: Playwright unpacks its driver on every create, and a
 * browser takes a second or two to start. Each test opens its own context (cookies, storage).
 * The browser is Debian's chromium; Playwright is told never to download one.
 */
final class TestBrowser {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static Browser browser;

    private TestBrowser() {}

    static synchronized Browser get() {
        if (browser == null) {
            assertThat(Files.isExecutable(CHROMIUM)).as("the browser tests need Debian's chromium: "
                    + "apt-get install -y --no-install-recommends chromium fonts-dejavu-core").isTrue();
            Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM).setHeadless(true)
                    .setArgs(List.of("--no-sandbox", "--disable-dev-shm-usage"))); // root needs --no-sandbox
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                browser.close();
                playwright.close();
            }, "playwright-close"));
        }
        return browser;
    }
}
