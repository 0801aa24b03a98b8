package io.herald.format;

import io.herald.HeraldException;
import io.herald.Json;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Reads a format spec from the API: shorthand, defaults, and which {@link Format} it names. */
final class Specs {
    static final List<String> TYPES = List.of("json", "envelope", "slack", "teams", "cef", "syslog", "template");

    private Specs() {}

    static Format parse(String field, JsonNode spec) {
        if (spec == null || spec.isNull() || spec.isMissingNode()) {
            return Format.JSON;
        }
        ObjectNode object;
        if (spec.isString()) {
            if (!TYPES.contains(spec.stringValue())) {
                throw new HeraldException.InvalidInput(field,
                        "unknown format \"" + spec.stringValue() + "\"; expected one of " + String.join(", ", TYPES));
            }
            object = Json.MAPPER.createObjectNode().put("type", spec.stringValue());
        } else if (spec.isObject()) {
            object = (ObjectNode) spec;
        } else {
            throw new HeraldException.InvalidInput(field,
                    "must be a format name such as \"slack\" or an object with a \"type\" member");
        }
        SpecReader reader = new SpecReader(field, object);
        Format format = switch (reader.type()) {
            case "json" -> JsonFormat.INSTANCE;
            case "envelope" -> EnvelopeFormat.parse(reader);
            case "slack" -> SlackFormat.parse(reader);
            case "teams" -> TeamsFormat.parse(reader);
            case "cef" -> CefFormat.parse(reader);
            case "syslog" -> SyslogFormat.parse(reader);
            case "template" -> TemplateFormat.parse(reader);
            default -> throw new IllegalStateException("unhandled format type " + reader.type());
        };
        reader.rejectUnknownMembers();
        return format;
    }

    /** A normalized spec node starting with its {@code type}. */
    static ObjectNode node(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }

    /** Adds the optional {@code titleField} and {@code linkField} members that are set. */
    static ObjectNode withFieldChoices(ObjectNode spec, String titleField, String linkField) {
        if (titleField != null) {
            spec.put("titleField", titleField);
        }
        if (linkField != null) {
            spec.put("linkField", linkField);
        }
        return spec;
    }
}
