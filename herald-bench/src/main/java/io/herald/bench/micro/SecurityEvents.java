package io.herald.bench.micro;

import io.herald.format.Event;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Inputs the benchmarks share: what a container-image scanner publishes. {@link #CRITICAL} is a
 * finding every filter below selects; {@link #LOW} has the same shape and size but none of them
 * selects it. Fixed ids and times, so every run measures the same work.
 */
final class SecurityEvents {
    static final String TYPE = "scan.finding";
    /** As publish stores them: an immutable copy of what the caller sent. */
    static final Set<String> CRITICAL_CHANNELS = Set.copyOf(List.of("security", "alerts"));
    static final Set<String> LOW_CHANNELS = Set.copyOf(List.of("reports"));

    /** About 1 KiB: a finding with nested objects, a list of objects, quotes and a query string. */
    static final String CRITICAL = finding("fnd_8Kq3Zt1Lw", "Heap buffer overflow in libwebp (CVE-2023-4863)", "9.6",
            "A crafted WebP image can write past a heap buffer in the Huffman table builder of libwebp"
                    + " before 1.3.2. The \\\"thumbnail\\\" service of this image decodes uploaded images with it;"
                    + " exploitation has been seen in the wild.",
            """
            [{"name":"libwebp7","version":"1.2.4-0.1","fixedIn":"1.2.4-0.2"},\
            {"name":"chromium","version":"116.0.5845.180","fixedIn":"116.0.5845.187"},\
            {"name":"libtiff6","version":"4.5.0-6","fixedIn":null}]""");

    static final String LOW = finding("fnd_8Kq41b7Rc", "Outdated zlib in base image (CVE-2023-45853)", "3.1",
            "MiniZip in zlib through 1.3 has an integer overflow in zipOpenNewFileInZip4_64 for long file"
                    + " names. The \\\"frontend\\\" service does not build zip archives; the package came with"
                    + " the base image and no code path reaches it.",
            """
            [{"name":"zlib1g","version":"1:1.2.13.dfsg-1","fixedIn":null},\
            {"name":"curl","version":"7.88.1-10+deb12u5","fixedIn":"7.88.1-10+deb12u6"},\
            {"name":"openssl","version":"3.0.11-1~deb12u2","fixedIn":"3.0.13-1~deb12u1"}]""");

    static final Event CRITICAL_EVENT = new Event("msg_2mR7xQ0bZk4LcT9vWn3aYe", TYPE,
            Instant.parse("2026-03-14T09:26:53.589Z"), "fnd_8Kq3Zt1Lw", CRITICAL_CHANNELS, CRITICAL,
            new Event.App("app_2mR7wB4nTq8Xc1Lz", "acme-shop", "Acme Shop"));

    private SecurityEvents() {}

    private static String finding(String id, String title, String severity, String description, String packages) {
        return """
                {"findingId":"%s","title":"%s","severity":%s,\
                "cvss":{"version":"3.1","score":%s,"vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"},\
                "cwe":"CWE-787","host":"build-07.ci.example.com","image":"registry.example.com/shop/frontend:2026.03.14-1",\
                "description":"%s",\
                "url":"https://scanner.example.com/findings/%s?tab=evidence&lang=en",\
                "tags":["container","image-scan","pci"],"packages":%s,\
                "firstSeen":"2026-03-14T09:20:11Z","exploitAvailable":true,\
                "scanner":{"name":"Acme Image Scanner","version":"2.4.1","policy":"production-images"}}"""
                .formatted(id, title, severity, severity, description, id, packages);
    }

    /**
     * A whole scan report of at least {@code minChars} characters (all ASCII, so as many bytes):
     * a summary and as many findings as it takes.
     */
    static String scanReport(int minChars) {
        StringBuilder out = new StringBuilder(minChars + 512);
        out.append("""
                {"scanId":"scn_7Qd2Hk","target":"https://shop.example.com","startedAt":"2026-03-14T09:12:40Z",\
                "finishedAt":"2026-03-14T09:26:53Z","summary":"Full scan of shop.example.com","findings":[""");
        String[] severities = {"9.8", "7.5", "5.3", "4.3", "3.1"};
        for (int i = 0; out.length() < minChars - 2; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append("""
                    {"id":"fnd_%05d","title":"Reflected input in /api/v2/items/%d","severity":%s,"cwe":"CWE-%d",\
                    "request":"GET /api/v2/items/%d?q=%%3Cscript%%3E","status":200,"confirmed":%b,\
                    "evidence":"The q parameter is echoed into the HTML body without encoding."}"""
                    .formatted(i, i, severities[i % severities.length], 79 + i % 12, i, i % 3 == 0));
        }
        return out.append("]}").toString();
    }
}
