package io.herald.api;

import io.herald.HeraldException;
import io.herald.app.ApplicationIn;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import io.herald.endpoint.EndpointIn;
import io.herald.eventtype.EventTypeIn;
import io.herald.message.MessageIn;
import io.herald.retention.Retention;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import io.herald.Json;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * Reads request bodies into the engine's input records, checking JSON types on the way so that a
 * wrong type is a 422 naming the field, not a 500. Range and format checks are the engine's.
 */
public final class In {
    private In() {}

    /**
     * Members Svix renamed in its 2.x SDKs: the current name and the 1.x one. Both are read, both are
     * written back; a request that gives both with different values is refused.
     */
    static final String EVENT_TYPES = "eventTypes";
    static final String FILTER_TYPES = "filterTypes";
    static final String THROTTLE_RATE = "throttleRate";
    static final String RATE_LIMIT = "rateLimit";
    static final String FEATURE_FLAGS = "featureFlags";
    static final String FEATURE_FLAG = "featureFlag";
    static final Map<String, String> ALIASES = Map.of(EVENT_TYPES, FILTER_TYPES, FILTER_TYPES, EVENT_TYPES,
            THROTTLE_RATE, RATE_LIMIT, RATE_LIMIT, THROTTLE_RATE, FEATURE_FLAGS, FEATURE_FLAG, FEATURE_FLAG, FEATURE_FLAGS);

    public static ApplicationIn application(JsonNode n) {
        return new ApplicationIn(str(n, "name"), str(n, "uid"), aliased(n, THROTTLE_RATE, RATE_LIMIT, In::integer),
                stringMap(n, "metadata"));
    }

    /** {@code name}, or its 1.x alias {@code oldName} when only that is given (null counts as not given). */
    static <T> T aliased(JsonNode n, String name, String oldName, java.util.function.BiFunction<JsonNode, String, T> read) {
        T current = read.apply(n, name);
        T old = read.apply(n, oldName);
        if (current != null && old != null && !current.equals(old)) {
            throw new HeraldException.InvalidInput(name, "and " + oldName + " (its Svix 1.x name) are both given, with different values; send one");
        }
        return current != null ? current : old;
    }

    /** An event type as the API reads it (POST, PUT): the console's catalog forms are read through this too. */
    public static EventTypeIn eventType(JsonNode n) {
        JsonNode schemas = n.get("schemas");
        return new EventTypeIn(str(n, "name"), str(n, "description"), schemas == null || schemas.isNull() ? null : schemas,
                featureFlags(n), bool(n, "archived"), bool(n, "deprecated"), str(n, "groupName"),
                node(n, "example"), bool(n, "enforceSchema"));
    }

    /** Svix 2.x's {@code featureFlags}, or 1.x's single {@code featureFlag}; both given must agree. */
    private static Set<String> featureFlags(JsonNode n) {
        String one = str(n, FEATURE_FLAG);
        Set<String> many = stringSet(n, FEATURE_FLAGS);
        if (one != null && many != null && !many.equals(Set.of(one))) {
            throw new HeraldException.InvalidInput(FEATURE_FLAGS, "and featureFlag (its Svix 1.x form) are both given, with different values; send one");
        }
        return many != null ? many : one == null ? null : Set.of(one);
    }

    /** An endpoint as the API reads it (POST, PUT): the web's forms are read through this too. */
    public static EndpointIn endpoint(JsonNode n) {
        return new EndpointIn(str(n, "url"), str(n, "description"), str(n, "uid"), integer(n, "version"),
                aliased(n, THROTTLE_RATE, RATE_LIMIT, In::integer), aliased(n, EVENT_TYPES, FILTER_TYPES, In::stringSet),
                stringSet(n, "channels"), bool(n, "disabled"),
                stringMap(n, "headers"), stringMap(n, "metadata"), str(n, "secret"),
                new DeliveryPolicy.In(node(n, "format"), str(n, "filter"), node(n, "signature"), node(n, "retry"), integer(n, "timeoutMs"),
                        node(n, "circuitBreaker"), str(n, "ordering"), integer(n, "maxInFlight")));
    }

    /**
     * The endpoint as the API's PATCH writes it: {@code patch} merged onto {@code current}
     * (present members replace, null clears), read as {@link #endpoint}. The web's edits and
     * pause/resume go through this, so they change what a PATCH would, and nothing else.
     */
    public static EndpointIn endpointPatched(Endpoint current, JsonNode patch) {
        return endpoint(Routes.merge(Routes.endpointAsInput(current), patch));
    }

    /**
     * The event type as the API's PATCH writes it: {@code patch} merged onto {@code current}, read
     * as {@link #eventType}. The console's edit, archive and unarchive go through this.
     */
    public static EventTypeIn eventTypePatched(io.herald.eventtype.EventType current, JsonNode patch) {
        return eventType(Routes.merge(Out.eventType(current, true), patch));
    }

    /** A member left for the engine to check (its shape has alternatives); null when absent or null. */
    static JsonNode node(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** Longest payload retention a message may ask for: as long as the server may keep anything. */
    static final long MAX_PAYLOAD_RETENTION_DAYS = Retention.MAX.toDays();

    /**
     * Svix's {@code payloadRetentionPeriod} (days) or {@code payloadRetentionHours} (not both):
     * how long the message's payload is kept; null when neither is given.
     */
    static java.time.Duration payloadRetention(JsonNode n) {
        JsonNode days = node(n, "payloadRetentionPeriod");
        JsonNode hours = node(n, "payloadRetentionHours");
        if (days != null && hours != null) {
            throw new HeraldException.InvalidInput("payloadRetentionHours", "cannot be given with payloadRetentionPeriod");
        }
        if (days != null) {
            return java.time.Duration.ofDays(wholeIn(days, "payloadRetentionPeriod", MAX_PAYLOAD_RETENTION_DAYS));
        }
        if (hours != null) {
            return java.time.Duration.ofHours(wholeIn(hours, "payloadRetentionHours", MAX_PAYLOAD_RETENTION_DAYS * 24));
        }
        return null;
    }

    private static long wholeIn(JsonNode v, String field, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1 || v.asLong() > max) {
            throw new HeraldException.InvalidInput(field, "must be a whole number from 1 to " + max);
        }
        return v.asLong();
    }

    /**
     * The payload is delivered exactly as the publisher wrote it: the text of the body's
     * {@code payload} member, byte for byte (whitespace, key order and number spelling kept), or the
     * JSON text in {@code transformationsParams.rawPayload}, which is how the Svix SDKs send a raw
     * payload.
     */
    static MessageIn message(JsonNode n, String body) {
        java.time.Duration payloadRetention = payloadRetention(n);
        java.time.Instant deliverAt = instant(n, "deliverAt");
        ApplicationIn alongside = nested(n, "application", In::application);
        JsonNode params = node(n, "transformationsParams");
        if (params != null && !params.isObject()) {
            throw new HeraldException.InvalidInput("transformationsParams", "must be an object");
        }
        if (params != null) {
            for (String member : params.propertyNames()) {
                if (!member.equals("rawPayload")) {
                    throw new HeraldException.InvalidInput("transformationsParams." + member,
                            "is not supported: Herald runs no transformations (only rawPayload is read)");
                }
            }
        }
        JsonNode raw = params != null ? params.get("rawPayload") : null;
        if (raw != null && !raw.isNull()) {
            if (!raw.isString()) {
                throw new HeraldException.InvalidInput("transformationsParams.rawPayload", "must be a string of JSON");
            }
            return new MessageIn(str(n, "eventType"), str(n, "eventId"), raw.asString(), "transformationsParams.rawPayload",
                    stringSet(n, "channels"), stringSet(n, "tags"), deliverAt, alongside, null, payloadRetention);
        }
        JsonNode payload = n.get("payload");
        if (payload != null && !payload.isNull() && !payload.isObject()) {
            throw new HeraldException.InvalidInput("payload", "must be a JSON object");
        }
        // The payload's own text, stored and sent as given; its tree (the same text parsed) spares
        // publish a second parse.
        boolean given = payload != null && !payload.isNull();
        return new MessageIn(str(n, "eventType"), str(n, "eventId"), given ? rawObjectMember(body, "payload") : null, "payload",
                stringSet(n, "channels"), stringSet(n, "tags"), deliverAt, alongside, given ? payload : null, payloadRetention);
    }

    /** An object member read by {@code read}, its errors named under {@code field}; null when absent or null. */
    static <T> T nested(JsonNode n, String field, java.util.function.Function<JsonNode, T> read) {
        JsonNode v = node(n, field);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be an object");
        }
        try {
            return read.apply(v);
        } catch (HeraldException.InvalidInput e) {
            throw e.under(field);
        }
    }

    /** An RFC 3339 timestamp member, or null. */
    static java.time.Instant instant(JsonNode n, String field) {
        return instant(field, str(n, field));
    }

    /** {@code value} as an RFC 3339 timestamp, or null; a bad one is a 422 naming {@code field}. */
    static java.time.Instant instant(String field, String value) {
        if (value == null) {
            return null;
        }
        java.time.Instant at;
        try {
            at = java.time.OffsetDateTime.parse(value).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new HeraldException.InvalidInput(field, "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z");
        }
        // RFC 3339 has four-digit years; beyond them epoch milliseconds overflow in the store.
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw new HeraldException.InvalidInput(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
        }
        return at;
    }

    private static final java.time.Instant EARLIEST = java.time.Instant.parse("0001-01-01T00:00:00Z");
    private static final java.time.Instant LATEST = java.time.Instant.parse("9999-12-31T23:59:59.999Z");

    /**
     * The source text of the top-level member {@code field} of the JSON object {@code json}, which
     * the caller has parsed already and found to hold an object there. Of duplicate members the last
     * one counts, as in the parsed tree.
     */
    static String rawObjectMember(String json, String field) {
        String found = null;
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            p.nextToken(); // START_OBJECT
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals(field) && value == JsonToken.START_OBJECT) {
                    int start = (int) p.currentTokenLocation().getCharOffset();
                    p.skipChildren();
                    int end = (int) p.currentLocation().getCharOffset();
                    found = json.substring(start, end);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (found == null) {
            throw new IllegalStateException(field + " was parsed as an object but not found again in the body");
        }
        return found;
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
