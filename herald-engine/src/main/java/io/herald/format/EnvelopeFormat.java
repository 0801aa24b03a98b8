package io.herald.format;

import io.herald.Json;
import tools.jackson.databind.JsonNode;

/**
 * {@code {"id":…,"type":…,"timestamp":…,"data":<payload>}}. The payload text is inserted verbatim,
 * not parsed and written again, so numbers, member order and whitespace reach the receiver exactly
 * as published.
 */
enum EnvelopeFormat implements Format {
    INSTANCE;

    @Override
    public Rendered render(Event event) {
        String body = "{\"id\":" + Json.write(event.id())
                + ",\"type\":" + Json.write(event.type())
                + ",\"timestamp\":\"" + Text.iso(event.timestamp())
                + "\",\"data\":" + event.payload() + "}";
        return Rendered.utf8(body, "application/json");
    }

    @Override
    public JsonNode spec() {
        return Specs.node(type());
    }

    @Override
    public String type() {
        return "envelope";
    }
}
