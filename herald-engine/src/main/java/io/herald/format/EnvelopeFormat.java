package io.herald.format;

import io.herald.Json;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * {@code {"id":…,"type":…,"timestamp":…,"<tenantMember>":…,"data":<payload>}}. The tenant member
 * (default {@code tenant}, e.g. {@code workspace_id}) holds the application's uid, else its id. The
 * payload text is inserted verbatim, not parsed and written again, so numbers, member order and
 * whitespace reach the receiver exactly as published.
 */
record EnvelopeFormat(String tenantMember) implements Format {
    static final String DEFAULT_TENANT_MEMBER = "tenant";
    static final int TENANT_MEMBER_MAX = 64;
    /** The envelope's own members, which the tenant member must not shadow. */
    static final List<String> OWN_MEMBERS = List.of("id", "type", "timestamp", "data");
    /** An identifier every JSON consumer can address as is: {@code obj.workspace_id}, {@code .tenant} in jq. */
    private static final Pattern MEMBER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    static final EnvelopeFormat DEFAULT = new EnvelopeFormat(DEFAULT_TENANT_MEMBER);

    static EnvelopeFormat parse(SpecReader spec) {
        String member = spec.optionalString("tenantMember").orElse(DEFAULT_TENANT_MEMBER);
        if (member.isEmpty() || member.length() > TENANT_MEMBER_MAX || !MEMBER_NAME.matcher(member).matches()) {
            throw spec.invalid("tenantMember", "must be 1 to " + TENANT_MEMBER_MAX + " letters, digits, '_' or '-',"
                    + " starting with a letter or '_', e.g. \"workspace_id\"");
        }
        if (OWN_MEMBERS.contains(member)) {
            throw spec.invalid("tenantMember", "must not be one of the envelope's own members "
                    + String.join(", ", OWN_MEMBERS) + ", was \"" + member + "\"");
        }
        return member.equals(DEFAULT_TENANT_MEMBER) ? DEFAULT : new EnvelopeFormat(member);
    }

    @Override
    public Rendered render(Event event) {
        String body = "{\"id\":" + Json.write(event.id())
                + ",\"type\":" + Json.write(event.type())
                + ",\"timestamp\":\"" + Text.iso(event.timestamp())
                + "\"," + Json.write(tenantMember) + ":" + Json.write(event.app().tenant())
                + ",\"data\":" + event.payload() + "}";
        return Rendered.utf8(body, "application/json");
    }

    @Override
    public JsonNode spec() {
        return Specs.node(type()).put("tenantMember", tenantMember);
    }

    @Override
    public String type() {
        return "envelope";
    }
}
