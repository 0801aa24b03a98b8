package io.herald.format;

import io.herald.HeraldException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the members of one spec object, naming each failing member as {@code field.member}. Every
 * member a format reads is remembered, so that a misspelt member ({@code "vendr"}) is refused
 * instead of silently ignored. A member given as JSON null counts as absent, even an unknown one.
 */
final class SpecReader {
    /** Longest payload member name a spec may point at, e.g. {@code titleField}. */
    static final int MAX_MEMBER_NAME = 256;

    private final String field;
    private final ObjectNode spec;
    private final String type;
    private final Set<String> read = new LinkedHashSet<>();

    SpecReader(String field, ObjectNode spec) {
        this.field = field;
        this.spec = spec;
        read.add("type");
        JsonNode t = spec.get("type");
        if (t == null || t.isNull()) {
            throw invalid("type", "is required; one of " + String.join(", ", Specs.TYPES));
        }
        if (!t.isString() || !Specs.TYPES.contains(t.stringValue())) {
            throw invalid("type", "must be one of " + String.join(", ", Specs.TYPES) + ", was " + t);
        }
        this.type = t.stringValue();
    }

    String type() {
        return type;
    }

    String field(String member) {
        return field + "." + member;
    }

    HeraldException.InvalidInput invalid(String member, String message) {
        return new HeraldException.InvalidInput(field(member), message);
    }

    /** The member's value, or null when absent or JSON null. */
    JsonNode get(String member) {
        read.add(member);
        JsonNode v = spec.get(member);
        return v == null || v.isNull() ? null : v;
    }

    Optional<String> optionalString(String member) {
        JsonNode v = get(member);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isString()) {
            throw invalid(member, "must be a string");
        }
        return Optional.of(v.stringValue());
    }

    /** A short human-readable label: 1 to {@code max} characters, no control characters. */
    String label(String member, String defaultValue, int max) {
        String v = optionalString(member).orElse(defaultValue);
        io.herald.Validate.length(field(member), v, 1, max);
        if (v.chars().anyMatch(Character::isISOControl)) {
            throw invalid(member, "must not contain control characters such as newlines");
        }
        return v;
    }

    /** The name of a top-level payload member, e.g. {@code severityField}; empty when absent. */
    Optional<String> memberName(String member) {
        Optional<String> v = optionalString(member);
        if (v.isPresent() && (v.get().isEmpty() || v.get().length() > MAX_MEMBER_NAME)) {
            throw invalid(member, "must name a payload member: 1 to " + MAX_MEMBER_NAME + " characters");
        }
        return v;
    }

    /** {@code titleField}: the payload member Slack, Teams and CEF take the title from first; null when absent. */
    String titleField() {
        return memberName("titleField").orElse(null);
    }

    /** {@code linkField}: the payload member Slack, Teams and CEF take the link from first; null when absent. */
    String linkField() {
        return memberName("linkField").orElse(null);
    }

    /** {@code severityField}: where CEF and syslog read the severity, {@code severity} by default. */
    String severityField() {
        return memberName("severityField").orElse("severity");
    }

    int integer(String member, int defaultValue, int min, int max) {
        JsonNode v = get(member);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw invalid(member, "must be an integer from " + min + " to " + max + ", was " + v);
        }
        return v.intValue();
    }

    void rejectUnknownMembers() {
        for (String name : spec.propertyNames()) {
            if (!read.contains(name) && !spec.get(name).isNull()) {
                throw invalid(name, "is not a member of the \"" + type + "\" format; its members are "
                        + String.join(", ", read));
            }
        }
    }
}
