package io.herald.format;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A payload's severity on the scales CEF and syslog use. The value is read from one top-level
 * member (the spec's {@code severityField}, default {@code severity}).
 *
 * <p><b>Numbers</b> (or strings holding one) are taken on the 0–10 scale CVSS and CEF share and
 * clamped to it. CEF severity is the number rounded half up. The syslog severity follows the CVSS v3
 * bands: 0 → 6 Informational, below 4 → 5 Notice, below 7 → 4 Warning, below 9 → 3 Error, 9 and
 * above → 2 Critical.
 *
 * <p><b>Words</b>, case-insensitive:
 * <table>
 *   <tr><th>words</th><th>CEF</th><th>syslog</th></tr>
 *   <tr><td>info, informational, information, none, debug, trace</td><td>0</td><td>6 Informational</td></tr>
 *   <tr><td>low, minor, notice</td><td>3</td><td>5 Notice</td></tr>
 *   <tr><td>medium, moderate, warning, warn</td><td>5</td><td>4 Warning</td></tr>
 *   <tr><td>high, major, important, severe, error</td><td>8</td><td>3 Error</td></tr>
 *   <tr><td>critical, crit, very-high, very high, veryhigh, fatal, emergency, alert, blocker</td>
 *       <td>10</td><td>2 Critical</td></tr>
 * </table>
 *
 * <p><b>Anything else</b> — no such member, null, another word, an object — is {@link #UNKNOWN}:
 * treated as low (CEF 3, syslog 5 Notice), the level of an ordinary notification.
 */
record Severity(int cef, int syslog) {
    static final Severity INFO = new Severity(0, 6);
    static final Severity LOW = new Severity(3, 5);
    static final Severity MEDIUM = new Severity(5, 4);
    static final Severity HIGH = new Severity(8, 3);
    static final Severity CRITICAL = new Severity(10, 2);
    static final Severity UNKNOWN = LOW;

    private static final Map<String, Severity> WORDS = Map.ofEntries(
            Map.entry("info", INFO), Map.entry("informational", INFO), Map.entry("information", INFO),
            Map.entry("none", INFO), Map.entry("debug", INFO), Map.entry("trace", INFO),
            Map.entry("low", LOW), Map.entry("minor", LOW), Map.entry("notice", LOW),
            Map.entry("medium", MEDIUM), Map.entry("moderate", MEDIUM), Map.entry("warning", MEDIUM),
            Map.entry("warn", MEDIUM),
            Map.entry("high", HIGH), Map.entry("major", HIGH), Map.entry("important", HIGH),
            Map.entry("severe", HIGH), Map.entry("error", HIGH),
            Map.entry("critical", CRITICAL), Map.entry("crit", CRITICAL), Map.entry("very-high", CRITICAL),
            Map.entry("very high", CRITICAL), Map.entry("veryhigh", CRITICAL), Map.entry("fatal", CRITICAL),
            Map.entry("emergency", CRITICAL), Map.entry("alert", CRITICAL), Map.entry("blocker", CRITICAL));


    static Severity of(Payload payload, String member) {
        return payload.member(member).map(Severity::of).orElse(UNKNOWN);
    }

    static Severity of(JsonNode value) {
        if (value.isNumber()) {
            return ofNumber(value.decimalValue());
        }
        if (!value.isString()) {
            return UNKNOWN;
        }
        String word = value.stringValue().strip().toLowerCase(Locale.ROOT);
        Severity named = WORDS.get(word);
        if (named != null) {
            return named;
        }
        if (word.isEmpty() || word.length() > 64) {
            return UNKNOWN; // no severity is written with more digits; spares parsing a huge string
        }
        try {
            return ofNumber(new BigDecimal(word));
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    static Severity ofNumber(BigDecimal n) {
        BigDecimal clamped = n.max(BigDecimal.ZERO).min(BigDecimal.TEN);
        int cef = clamped.setScale(0, RoundingMode.HALF_UP).intValueExact();
        int syslog;
        if (clamped.signum() == 0) {
            syslog = 6;
        } else if (clamped.compareTo(BigDecimal.valueOf(4)) < 0) {
            syslog = 5;
        } else if (clamped.compareTo(BigDecimal.valueOf(7)) < 0) {
            syslog = 4;
        } else if (clamped.compareTo(BigDecimal.valueOf(9)) < 0) {
            syslog = 3;
        } else {
            syslog = 2;
        }
        return new Severity(cef, syslog);
    }
}
