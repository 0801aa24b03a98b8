package io.herald.format;

import java.time.Instant;
import java.util.Set;

/** Realistic security events with fixed ids and times, so renderings are deterministic. */
final class Events {
    /** The application most events are published to, with a uid. */
    static final Event.App APP = new Event.App("app_2bVk5Hn0yR4eWq8Tz1Lc", "acme-eu", "Acme Europe");
    /** An application created without a uid: receivers tell it apart by its id. */
    static final Event.App APP_WITHOUT_UID = new Event.App("app_2bVk5Jm7uP3dXs6Ny9Kb", null, "Globex");

    static final Event SCAN_FINISHED = new Event(
            "msg_2bVk6VvQvKJq1h1tXzB5Y3mN8pA", "scan.finished", Instant.parse("2026-03-14T09:26:53.589Z"),
            "scan-7Qd2-done", Set.of("security", "scans"),
            """
            {"scanId": "scn_7Qd2", "target": "https://shop.example.com", "severity": "high", "alerts": 12, \
            "warnings": 4, "durationSeconds": 842.5, "summary": "12 alerts and 4 warnings on shop.example.com", \
            "url": "https://scanner.example.com/scans/scn_7Qd2"}""", APP);

    static final Event FINDING_CREATED = new Event(
            "msg_2bVk7C3pQm9sXw4LzR8tYh1nE0f", "finding.created", Instant.parse("2026-03-14T09:27:01.002345678Z"),
            null, Set.of("security"),
            """
            {"title":"SQL injection in /login","severity":"critical","cvss":9.8,"host":"api.example.com",\
            "port":443,"cwe":"CWE-89","description":"The \\"username\\" parameter is concatenated into a SQL \
            query; a value like ' OR 1=1 -- logs in as admin <script>.","url":\
            "https://scanner.example.com/findings/fnd_19?tab=evidence&lang=en","tags":["sqli","owasp-a03"],\
            "evidence":{"request":"POST /login","status":200}}""", APP);

    static final Event CAMPAIGN_EXPIRED = new Event(
            "msg_2bVk8Zr5Tn2aQ7uHc3Wm6Kd9Lp", "campaign.expired", Instant.parse("2026-09-30T23:59:59Z"),
            "cmp_42-expired", null,
            """
            {"campaignId":"cmp_42","name":"Q3 phishing simulation \u2014 Z\u00fcrich office",\
            "expiredAt":"2026-09-30T23:59:59Z","recipients":250,"clicked":17,"reported":96,\
            "owner":{"email":"sec-team@example.com"}}""", APP_WITHOUT_UID);

    private Events() {}

    /** An event with fixed id and time around {@code payload}. */
    static Event of(String type, String payload) {
        return new Event("msg_2bVk9", type, Instant.parse("2026-03-14T09:26:53Z"), null, null, payload, APP);
    }

    /** The three security events every format is checked with. */
    static java.util.stream.Stream<Event> realistic() {
        return java.util.stream.Stream.of(SCAN_FINISHED, FINDING_CREATED, CAMPAIGN_EXPIRED);
    }
}
