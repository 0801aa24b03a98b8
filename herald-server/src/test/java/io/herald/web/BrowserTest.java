package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ScreenshotAnimations;
import com.microsoft.playwright.options.ScreenshotCaret;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every browser test does: a fresh context (cookies, storage) and page per test in the
 * JVM's one chromium ({@link TestBrowser}); every console message collected, and the test failed
 * on a CSP refusal or script error; {@link #axe} runs axe-core (from the test class path, WCAG 2
 * A and AA) on the page as it is.
 */
abstract class BrowserTest {
    /** The WebJar's script; its version is the pom's axe-core.version, handed over by surefire. */
    static final String AXE = "META-INF/resources/webjars/axe-core/" + System.getProperty("axe.version") + "/axe.min.js";
    private static String axeSource;

    BrowserContext context;
    Page page;
    final List<String> console = new ArrayList<>();

    private static synchronized String axeSource() {
        if (axeSource == null) {
            try (InputStream in = BrowserTest.class.getClassLoader().getResourceAsStream(AXE)) {
                assertThat(in).as("axe-core on the test class path (org.webjars.npm:axe-core): " + AXE).isNotNull();
                axeSource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return axeSource;
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
        // A refused form or a page not found answers 4xx, which the browser logs as a failed load: those are expected.
        assertThat(console).as("console messages (CSP refusals, script errors, failed loads)")
                .noneMatch(m -> m.contains("Refused to") || m.contains("Content Security Policy") || m.startsWith("pageerror")
                        || m.startsWith("error") && !expectedError(m));
    }

    /** A console error the test causes on purpose (a 422 form, say). */
    boolean expectedError(String message) {
        return message.contains("status of 422");
    }

    /**
     * Saves the page as it is, as {@code name}.png, to {@code target/screenshots/} and, when the
     * system property {@code herald.screenshots} names a folder (e.g. {@code
     * -Dherald.screenshots=../docs/screenshots}, the README's), there too. No caret hiding and no
     * animation stopping: both inject a style, which the pages' CSP refuses (and
     * {@link #closePage} would fail the test on the refusal).
     */
    void screenshot(String name) {
        byte[] png = page.screenshot(new Page.ScreenshotOptions().setCaret(ScreenshotCaret.INITIAL)
                .setAnimations(ScreenshotAnimations.ALLOW));
        List<Path> folders = new ArrayList<>(List.of(Path.of("target", "screenshots")));
        String extra = System.getProperty("herald.screenshots");
        if (extra != null && !extra.isBlank()) {
            folders.add(Path.of(extra));
        }
        try {
            for (Path folder : folders) {
                Files.createDirectories(folder);
                Files.write(folder.resolve(name + ".png"), png);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs axe-core on the page as it is; fails on any WCAG 2 A/AA violation, naming rule and elements. */
    void axe(String what) {
        // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> would be refused).
        page.evaluate("() => { " + axeSource() + "\n; window.axe = axe; }");
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
}
