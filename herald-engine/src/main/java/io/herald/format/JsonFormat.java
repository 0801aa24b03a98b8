package io.herald.format;

import tools.jackson.databind.JsonNode;

/** The payload bytes exactly as published, as {@code application/json}. */
enum JsonFormat implements Format {
    INSTANCE;

    @Override
    public Rendered render(Event event) {
        return Rendered.utf8(event.payload(), "application/json");
    }

    @Override
    public JsonNode spec() {
        return Specs.node(type());
    }

    @Override
    public String type() {
        return "json";
    }
}
