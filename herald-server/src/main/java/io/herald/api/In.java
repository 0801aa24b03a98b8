package io.herald.api;

import io.herald.HeraldException;
import io.herald.app.ApplicationIn;
import io.herald.endpoint.EndpointIn;
import io.herald.eventtype.EventTypeIn;
import io.herald.message.MessageIn;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads request bodies into the engine's input records, checking JSON types on the way so that a
 * wrong type is a 422 naming the field, not a 500. Range and format checks are the engine's.
 */
final class In {
    private In() {}

    static ApplicationIn application(JsonNode n) {
        return new ApplicationIn(str(n, "name"), str(n, "uid"), integer(n, "rateLimit"), stringMap(n, "metadata"));
    }

    static EventTypeIn eventType(JsonNode n) {
        JsonNode schemas = n.get("schemas");
        return new EventTypeIn(str(n, "name"), str(n, "description"), schemas == null || schemas.isNull() ? null : schemas,
                str(n, "featureFlag"), bool(n, "archived"));
    }

    static EndpointIn endpoint(JsonNode n) {
        return new EndpointIn(str(n, "url"), str(n, "description"), str(n, "uid"), integer(n, "version"),
                integer(n, "rateLimit"), stringSet(n, "filterTypes"), stringSet(n, "channels"), bool(n, "disabled"),
                stringMap(n, "headers"), stringMap(n, "metadata"), str(n, "secret"));
    }

    static MessageIn message(JsonNode n) {
        JsonNode payload = n.get("payload");
        return new MessageIn(str(n, "eventType"), str(n, "eventId"), payload, stringSet(n, "channels"), stringSet(n, "tags"));
    }

    static String str(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new HeraldException.InvalidInput(field, "must be a string");
        }
        return v.asString();
    }

    static Integer integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new HeraldException.InvalidInput(field, "must be an integer");
        }
        return v.asInt();
    }

    static Boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new HeraldException.InvalidInput(field, "must be true or false");
        }
        return v.asBoolean();
    }

    static Set<String> stringSet(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new HeraldException.InvalidInput(field, "must be an array of strings");
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isString()) {
                throw new HeraldException.InvalidInput(field + "[" + i + "]", "must be a string");
            }
            out.add(v.get(i).asString());
        }
        return out;
    }

    /** A map of strings; with {@code nullsAllowed}, a null value is kept (meaning "remove"). */
    static Map<String, String> stringMap(JsonNode n, String field) {
        return stringMap(n, field, false);
    }

    static Map<String, String> stringMap(JsonNode n, String field, boolean nullsAllowed) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode val = e.getValue();
            if (val.isNull() && nullsAllowed) {
                out.put(e.getKey(), null);
            } else if (!val.isString()) {
                throw new HeraldException.InvalidInput(field + "." + e.getKey(), "must be a string");
            } else {
                out.put(e.getKey(), val.asString());
            }
        }
        return out;
    }
}
